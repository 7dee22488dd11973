#!/usr/bin/env bash
# The search from the encoder's code (the learned start), on 64 images of the tune half of
# val, against the search from random codes that it replaces (preset random_start: 8
# restarts of 187 iterations, their mean; its rows are the 15x15 rows of window.csv, the
# same settings on the same images). Budgets of at most 128 steps per image: the one-pass
# fill (no search), 8 perturbed codes averaged without a search (iters=0), restarts x
# iterations of 4 x 32, 8 x 16 and 16 x 8, the learning rate, the perturbation and the
# fill. The GoogLeNet semantic term is measured from the chosen setting by
# metrics/sweep_semantic.sh. Two halves, one per core, then merged;
# resumable (points already in a CSV are skipped).
#   CARS_DATA_DIR=<data> bash metrics/sweep_learned.sh
set -euo pipefail
out=metrics/results/sweep/learned
ref="preset=random_start"
points() {  # points <mask>...: every point of the sweep on these masks.
  local m s
  for m in "$@"; do
    s="mask_type=$m;preset=search"
    printf '%s\n' "mask_type=$m;preset=one_pass" \
      "$s;learning_rate=0.01" "$s;learning_rate=0.01;fill=best" "$s;learning_rate=0.003" \
      "$s;learning_rate=0.001" "$s;learning_rate=0.001;fill=best" \
      "$s;learning_rate=0.001;start_noise=0.1" "$s;learning_rate=0.001;start_noise=0.5" \
      "$s;iters=0;start_noise=0.3" "$s;iters=0;start_noise=0.5" \
      "$s;learning_rate=0.001;restarts=4;iters=32" "$s;learning_rate=0.001;restarts=16;iters=8"
  done
}
half() {  # half <core> <points file>: these points, pinned to one core.
  local core=$1 pts=() p
  while read -r p; do pts+=(--point="$p"); done < "$2"
  taskset -c "$core" python -m metrics.sweep --num=64 --out="$out.$core" --reference="$ref" \
    "${pts[@]}"
}
# The reference rows: window.csv's 15x15 points (method=semantic was the random-start
# search then), renamed.
python - "$out" <<'PY'
import sys
from metrics import sweep_lib
from metrics import tables
out, old, new = sys.argv[1], 'method=semantic nsize=15', 'preset=random_start'
src = 'metrics/results/sweep/window.csv'
for path, dst, cols in ((src, out + '.ref.csv', sweep_lib.COLUMNS),
                        (sweep_lib.images_path(src), out + '.ref_images.csv', sweep_lib.IMAGE_COLUMNS)):
  rows = [dict(r, point=new) for r in tables.read_csv(path) if r['point'] == old]
  sweep_lib.write_rows(rows, dst, cols)
PY
# Center and half of random on one core, left and the other half on the other (a point
# with another fill follows its run, which it reuses).
points center left random | awk 'NR <= 12 || (NR > 24 && NR <= 30)' > "$out.0.points"
points center left random | awk '(NR > 12 && NR <= 24) || NR > 30' > "$out.1.points"
half 0 "$out.0.points" > "$out.0.log" 2>&1 &
half 1 "$out.1.points" > "$out.1.log" 2>&1 &
wait
python -m metrics.sweep --out="$out" --reference="$ref" --merge="$out.0.csv,$out.1.csv,$out.ref.csv"
rm -f "$out".[01].csv "$out".[01]_images.csv "$out".[01].md "$out".[01].log "$out".[01].points \
  "$out".ref.csv "$out".ref_images.csv
