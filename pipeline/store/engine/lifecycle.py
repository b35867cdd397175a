"""Index lifecycle: templates, the rollover policy (ILM or ISM), setup, migration, rollover.

Only search engines have these; the Store protocol's IndexAdmin part (see ..base) names them.
"""

from __future__ import annotations

import re
from typing import Any

from ...minhash import VERSION
from ..base import SetupReport
from .base import EngineBase
from .transport import EngineError, EngineUnavailable


class Lifecycle(EngineBase):
    @property
    def mapping_version(self) -> int:
        return int(self._load("component_mappings.json")["_meta"]["version"])

    def _lifecycle(self, report: SetupReport) -> dict[str, str]:
        """Apply the rollover policy; return the index settings that attach it (none if the
        cluster has no lifecycle management, which is then reported, not an error)."""
        name = f"{self.prefix}-articles"
        settings: dict[str, str]
        if self.t.flavor == "elasticsearch":
            kind = "ILM"
            settings = {
                "index.lifecycle.name": name,
                "index.lifecycle.rollover_alias": self.articles,
            }
        else:
            kind = "ISM"
            settings = {"plugins.index_state_management.rollover_alias": self.articles}
        try:
            if kind == "ILM":
                self._request("PUT", f"/_ilm/policy/{name}", self._load("ilm_policy.json"))
            else:
                # ISM refuses to overwrite a policy unless told which version it replaces.
                path = f"/_plugins/_ism/policies/{name}"
                params = None
                if self._exists(path):
                    current = self._request("GET", path)
                    params = {
                        "if_seq_no": str(current["_seq_no"]),
                        "if_primary_term": str(current["_primary_term"]),
                    }
                self._request("PUT", path, self._load("ism_policy.json"), params=params)
        except EngineError as exc:
            report.say(
                f"lifecycle: {kind} not available ({exc.status}); roll over with "
                f"`newsmon index rollover`"
            )
            return {}
        report.lifecycle = True
        report.say(f"lifecycle: {kind} policy {name}")
        return settings

    def _put_templates(self, report: SetupReport) -> None:
        for part in ("settings", "mappings"):
            name = f"{self.prefix}-articles-{part}"
            self._request(
                "PUT", f"/_component_template/{name}", self._load(f"component_{part}.json")
            )
            report.say(f"component template {name}")
        template = self._load("index_template_articles.json")
        template["template"]["settings"].update(self._lifecycle(report))
        template["_meta"]["mapping_version"] = self.mapping_version
        self._request("PUT", f"/_index_template/{self.prefix}-articles", template)
        report.say(
            f"index template {self.prefix}-articles (mapping version {self.mapping_version})"
        )

    def setup(self) -> SetupReport:
        """Create or update templates, policies and indices. Safe to run again."""
        report = SetupReport()
        self._ready = True
        self._put_templates(report)
        if self.exists():
            indices = self.article_indices()
            report.say(f"alias {self.articles} exists: {', '.join(indices)}")
            # New fields (strict mappings refuse a document with an unknown one) are added to
            # the indices already there; a change they cannot take needs `index migrate`.
            mappings = self._load("component_mappings.json")["template"]["mappings"]
            try:
                self._request("PUT", f"/{','.join(indices)}/_mapping", mappings)
                report.say("article mappings brought up to date")
            except EngineUnavailable:
                raise
            except EngineError as exc:
                report.say(
                    f"article mappings cannot be updated in place ({exc.status}): run "
                    "`newsmon index migrate`"
                )
        else:
            first = f"{self.articles}-v{self.mapping_version}-000001"
            self._request(
                "PUT", f"/{first}", {"aliases": {self.articles: {"is_write_index": True}}}
            )
            report.say(f"created {first} as write index of {self.articles}")
        for index, resource in (
            (self.claims, "index_claims.json"),
            (self.stories, "index_stories.json"),
            (self.state, "index_state.json"),
            (self.alerts, "index_alerts.json"),
        ):
            body = self._load(resource)
            body.pop("_meta", None)
            if self._exists(f"/{index}"):
                self._request("PUT", f"/{index}/_mapping", body["mappings"])
                report.say(f"index {index} exists: mapping updated")
            else:
                self._request("PUT", f"/{index}", body)
                report.say(f"created index {index}")
        return report

    def check_lifecycle(self) -> SetupReport:
        """Is the rollover policy there, and does it manage every article index? Problems go
        to details["problems"]; a cluster without lifecycle management is reported, not a
        problem (setup said so, and `newsmon index rollover` does the work)."""
        report = SetupReport()
        problems: list[str] = []
        report.details["problems"] = problems
        name = f"{self.prefix}-articles"
        indices = self.article_indices() if self.exists() else []
        if not indices:
            problems.append(f"alias {self.articles} has no index: run `newsmon index setup`")
            return report
        elastic = self.t.flavor == "elasticsearch"
        policy = f"/_ilm/policy/{name}" if elastic else f"/_plugins/_ism/policies/{name}"
        try:
            present = self._exists(policy)
        except EngineUnavailable:
            raise
        except EngineError as exc:
            report.say(f"lifecycle: not available ({exc.status}); roll over with `index rollover`")
            return report
        if not present:
            problems.append(f"lifecycle policy {name} is missing: run `newsmon index setup`")
            return report
        for index in indices:
            if elastic:
                answer = self._request("GET", f"/{index}/_ilm/explain")
                state = answer.get("indices", {}).get(index, {})
                managed = bool(state.get("managed")) and state.get("policy") == name
            else:
                answer = self._request("GET", f"/_plugins/_ism/explain/{index}")
                state = answer.get(index, {})
                managed = (
                    state.get("index.plugins.index_state_management.policy_id")
                    or state.get("policy_id")
                ) == name
            if managed:
                report.say(f"lifecycle: {index} managed by {name}")
            else:
                problems.append(f"{index} is not managed by lifecycle policy {name}")
        report.lifecycle = not problems
        return report

    def article_indices(self) -> list[str]:
        return sorted(self._request("GET", f"/_alias/{self.articles}"))

    def rollover(self, max_docs: int | None = None) -> SetupReport:
        """Start a new write index (only if it holds max_docs documents, when given)."""
        body: dict[str, Any] | None = {"conditions": {"max_docs": max_docs}} if max_docs else None
        result = self._request("POST", f"/{self.articles}/_rollover", body)
        report = SetupReport(details=result)
        report.say(
            f"rolled over: {result.get('rolled_over')} ({result.get('old_index')} -> "
            f"{result.get('new_index')})"
        )
        return report

    def migrate(self, keep_old: bool = False) -> SetupReport:
        """Move the articles to the current mapping version: reindex behind the alias."""
        report = SetupReport()
        target_version = self.mapping_version
        current = self.article_indices()
        versions = {int(m.group(1)) for i in current if (m := re.search(r"-v(\d+)-\d+$", i))}
        if versions == {target_version}:
            report.say(f"already at mapping version {target_version}")
            self._resign(report)
            return report
        self._put_templates(report)
        new = f"{self.articles}-v{target_version}-000001"
        self._request("PUT", f"/{new}")
        result = self._request(
            "POST",
            "/_reindex",
            {"source": {"index": self.articles}, "dest": {"index": new}},
            params={"wait_for_completion": "true", "refresh": "true"},
        )
        if result.get("failures"):
            raise EngineError("reindex", result["failures"][:3])
        report.say(f"reindexed {result.get('total', 0)} documents into {new}")
        actions: list[dict[str, Any]] = [
            {"remove": {"index": old, "alias": self.articles}} for old in current
        ]
        actions.append({"add": {"index": new, "alias": self.articles, "is_write_index": True}})
        self._request("POST", "/_aliases", {"actions": actions})  # one atomic switch
        report.say(f"alias {self.articles} now points at {new}")
        if not keep_old:
            for old in current:
                self._request("DELETE", f"/{old}")
                report.say(f"deleted {old}")
        self._resign(report)
        return report

    def _resign(self, report: SetupReport) -> None:
        """Documents signed by an older MinHash version get new signatures and band keys."""
        from ...dedupe import resign_stored

        count = resign_stored(self)
        report.say(f"MinHash signatures recomputed for {count} documents (version {VERSION})")
