#!/usr/bin/env bash
# Runs the README's first command (install, then serve) as given, waits until the app and its
# default model are served on localhost:5173, then stops the server. Fails if the command exits
# early (a failed install) or nothing is served within the time limit.
set -uo pipefail
cmd="$1"
log=$(mktemp)
setsid bash -c "$cmd" >"$log" 2>&1 &
pid=$!
stop() { kill -- -"$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
# fetch_ok PATH TEXT: the server answers PATH with 200 and a body containing TEXT (node, not curl,
# which a fresh machine may lack).
fetch_ok() {
  node -e 'fetch("http://localhost:5173" + process.argv[1]).then(async (r) => { const t = await r.text(); process.exit(r.ok && t.includes(process.argv[2]) ? 0 : 1); }, () => process.exit(1))' "$1" "$2"
}
ok=""
for _ in $(seq 1 600); do
  if ! kill -0 "$pid" 2>/dev/null; then
    cat "$log"; echo "the README's first command exited before serving the app" >&2; exit 1
  fi
  if fetch_ok / 'id="root"'; then ok=1; break; fi
  sleep 1
done
if [ -z "$ok" ]; then stop; cat "$log"; echo "the app was not served on http://localhost:5173 within 10 minutes" >&2; exit 1; fi
status=0
# Vite answers unknown paths with index.html, so each file is checked by what it contains.
while read -r path text; do
  if ! fetch_ok "$path" "$text"; then echo "the app's server does not serve $path" >&2; status=1; fi
done <<'LIST'
/main.tsx createRoot
/models/fashion-resnet.project.json /models/fashion-resnet.weights.safetensors
/models/fashion-resnet.weights.safetensors __metadata__
LIST
stop
tail -n 20 "$log"
rm -f "$log"
exit $status
