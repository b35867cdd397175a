#!/usr/bin/env bash
# Run a command with a real OpenSearch node: builds tools/opensearch-node (Maven), starts one
# node on 127.0.0.1, exports NEWSMON_OPENSEARCH_URL, runs the command, stops the node.
# If NEWSMON_OPENSEARCH_URL is already set, the command runs against that engine instead.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${NEWSMON_OPENSEARCH_URL:-}" ]; then
    exec "$@"
fi

tool=tools/opensearch-node
port=${NEWSMON_OPENSEARCH_PORT:-9250}
data=$(mktemp -d "${TMPDIR:-/tmp}/newsmon-opensearch.XXXXXX")
log="$data/node.log"

echo "== building the OpenSearch test node (Maven, first run downloads OpenSearch 2.19)"
mvn -q -B -f "$tool/pom.xml" package dependency:build-classpath \
    -Dmdep.outputFile=target/classpath.txt >"$data/maven.log" 2>&1 || {
    cat "$data/maven.log"; echo "could not build $tool" >&2; exit 1; }

java -Xms512m -Xmx1g -cp "$tool/target/opensearch-node-1.0.0.jar:$(cat "$tool/target/classpath.txt")" \
    newsmon.tools.OpenSearchNode "$port" "$data/node" >"$log" 2>&1 &
node_pid=$!
stop_node() {
    kill "$node_pid" 2>/dev/null || true
    wait "$node_pid" 2>/dev/null || true
    rm -rf "$data"
}
trap stop_node EXIT

for _ in $(seq 1 180); do
    if grep -q "^.*READY http" "$log"; then break; fi
    if ! kill -0 "$node_pid" 2>/dev/null; then
        tail -40 "$log"; echo "OpenSearch node exited before it was ready" >&2; exit 1
    fi
    sleep 1
done
grep -q "READY http" "$log" || { tail -40 "$log"; echo "OpenSearch node not ready after 180 s" >&2; exit 1; }
export NEWSMON_OPENSEARCH_URL="http://127.0.0.1:$port"
echo "== OpenSearch node ready at $NEWSMON_OPENSEARCH_URL"
"$@"
