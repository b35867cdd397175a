"""Lookup functions for GuardedResolver (NEWSMON_DNS_LOOKUP) in tests: names that answer
differently on each lookup, as a DNS-rebinding attacker's name server does."""

from __future__ import annotations

import itertools
import os
import socket

_answers = itertools.cycle(os.environ.get("FAKE_DNS_ANSWERS", "127.0.0.1").split(","))


def rebinding(name: str) -> str:
    """`*.rebind.test` answers the next address of FAKE_DNS_ANSWERS, in turn; anything else
    resolves as usual."""
    if name.endswith(".rebind.test"):
        answer = next(_answers)
        log = os.environ.get("FAKE_DNS_LOG")
        if log:
            with open(log, "a") as stream:
                stream.write(f"{name} {answer}\n")
        return answer
    return socket.gethostbyname(name)
