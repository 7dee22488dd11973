#!/usr/bin/env bash
# The sweep that chose the inpainting defaults, on 32 images of the tune half of val:
# restarts x iterations at the seed's budget of 1,500 steps per image, the fill made from
# the restarts (best / mean; the table's median rows were run with a median fill since
# removed), and the losses (Yeh's with the wide window; the semantic method with and
# without the GoogLeNet term). Resumable: points already in the CSV are skipped.
#   CARS_DATA_DIR=<data> bash metrics/sweep_restarts.sh
set -euo pipefail
pts=()
add() {  # One point per fill; the fills of one point share its optimisation run.
  for f in best mean; do pts+=(--point="$1;fill=$f"); done
}
for ri in 1:1500 4:375 8:188; do
  add "mask_type=center;method=yeh;nsize=63;restarts=${ri%%:*};iters=${ri##*:}"
done
for ri in 1:1500 8:188; do
  add "mask_type=left;method=yeh;nsize=63;restarts=${ri%%:*};iters=${ri##*:}"
done
add "mask_type=center;method=semantic;lambda_sem=30;restarts=8;iters=188"
add "mask_type=center;method=semantic;lambda_sem=0;restarts=8;iters=188"
python -m metrics.sweep --num=32 --out=metrics/results/sweep/restarts "${pts[@]}"
