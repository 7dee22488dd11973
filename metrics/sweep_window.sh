#!/usr/bin/env bash
# The context window of the default (the mean of 8 restarts of 187 iterations), on 64 images
# of the tune half of val: the 63x63 window chosen by sweep_restarts.sh against 7x7 (Yeh's
# and the seed's) and 15x15, on the center, left and random masks. The table's paired
# column is each row minus the 63x63 row of the same mask, image by image. Two halves, one
# per core, then merged; resumable (points already in a CSV are skipped).
#   CARS_DATA_DIR=<data> bash metrics/sweep_window.sh
set -euo pipefail
out=metrics/results/sweep/window
ref="method=semantic;nsize=63"
half() {  # half <core> <mask:window>...: these points, pinned to one core.
  local core=$1 pts=() p
  shift
  for p in "$@"; do pts+=(--point="mask_type=${p%%:*};method=semantic;nsize=${p##*:}"); done
  taskset -c "$core" python -m metrics.sweep --num=64 --out="$out.$core" --reference="$ref" \
    "${pts[@]}"
}
half 0 center:63 center:7 center:15 random:63 > "$out.0.log" 2>&1 &
half 1 left:63 left:7 left:15 random:7 random:15 > "$out.1.log" 2>&1 &
wait
python -m metrics.sweep --out="$out" --reference="$ref" --merge="$out.0.csv,$out.1.csv"
rm -f "$out".[01].csv "$out".[01]_images.csv "$out".[01].md "$out".[01].log
