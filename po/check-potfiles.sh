#!/bin/sh
# Every source file that marks strings for translation is in POTFILES.in,
# and every file POTFILES.in names exists.  Run by meson test (suite data).
set -eu
top=$1
status=0
for f in $(cd "$top" && grep -l -E '(^|[^A-Za-z0-9_])N?_ ?\("' app/*.c ui/*.c 2>/dev/null); do
  if ! grep -qx "$f" "$top/po/POTFILES.in"; then
    echo "po/POTFILES.in: $f marks strings for translation but is not listed"
    status=1
  fi
done
for f in $(grep -v '^#' "$top/po/POTFILES.in" | grep -v '^$'); do
  if [ ! -f "$top/$f" ]; then
    echo "po/POTFILES.in: $f does not exist"
    status=1
  fi
done
exit $status
