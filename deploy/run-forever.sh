#!/usr/bin/env bash
# Run a command again whenever it exits (an RQ worker exits when Redis goes away), with a back-off:
# 2 s, doubling up to 60 s; a run that lasted 5 minutes or more resets it. Used by `make worker`.
# SIGINT/SIGTERM stop the loop and the running command.
set -u
delay=2
child=0
stop() { [ "$child" -ne 0 ] && kill "$child" 2>/dev/null; wait "$child" 2>/dev/null; exit 0; }
trap stop INT TERM
while true; do
  started=$(date +%s)
  "$@" &
  child=$!
  wait "$child"
  status=$?
  child=0
  if [ $(( $(date +%s) - started )) -ge 300 ]; then delay=2; fi
  echo "$(date -u +%FT%TZ) run-forever: '$1' exited with status $status; starting again in ${delay}s" >&2
  sleep "$delay" & wait $!
  delay=$(( delay * 2 > 60 ? 60 : delay * 2 ))
done
