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
ok=""
for _ in $(seq 1 600); do
  if ! kill -0 "$pid" 2>/dev/null; then
    cat "$log"; echo "the README's first command exited before serving the app" >&2; exit 1
  fi
  if curl -fsS http://localhost:5173/ 2>/dev/null | grep -q 'id="root"'; then ok=1; break; fi
  sleep 1
done
if [ -z "$ok" ]; then stop; cat "$log"; echo "the app was not served on http://localhost:5173 within 10 minutes" >&2; exit 1; fi
status=0
for path in /main.tsx /models/fashion-resnet.project.json /models/fashion-resnet.weights.safetensors; do
  if ! curl -fsS -o /dev/null "http://localhost:5173$path"; then echo "the app's server does not serve $path" >&2; status=1; fi
done
stop
tail -n 20 "$log"
rm -f "$log"
exit $status
