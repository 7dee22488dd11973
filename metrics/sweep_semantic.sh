#!/usr/bin/env bash
# The 2018 project's GoogLeNet semantic term (on --layer inception_4b and --layer_2
# inception_3b), measured from the learned start with the default's settings, on 64 images
# of the tune half of val: lambda_sem 0 (the default, preset=search), 10 and 30 (the
# semantic method's weight), on the center, left and random masks. The paired column is
# each row minus the default on the same images. Two halves, one per core, then merged.
#   CARS_DATA_DIR=<data> bash metrics/sweep_semantic.sh
set -euo pipefail
out=metrics/results/sweep/semantic
ref="preset=search"
half() {  # half <core> <mask>...: the three points on these masks, pinned to one core.
  local core=$1 pts=() m
  shift
  for m in "$@"; do
    pts+=(--point="mask_type=$m;preset=search" --point="mask_type=$m;preset=semantic;lambda_sem=10"
          --point="mask_type=$m;preset=semantic;lambda_sem=30")
  done
  taskset -c "$core" python -m metrics.sweep --num=64 --out="$out.$core" --reference="$ref" \
    "${pts[@]}"
}
half 0 center random > "$out.0.log" 2>&1 &
half 1 left > "$out.1.log" 2>&1 &
wait
python -m metrics.sweep --out="$out" --reference="$ref" --merge="$out.0.csv,$out.1.csv"
rm -f "$out".[01].csv "$out".[01]_images.csv "$out".[01].md "$out".[01].log
