#!/usr/bin/env bash
# The sweep that chose the inpainting defaults, on 32 images of the tune half of val:
# restarts x iterations at the seed's budget of 1,500 steps per image, the fill made from
# the restarts (best / mean; the table's median rows were run with a median fill since
# removed), and the losses (Yeh's with and without the wide window; the semantic method
# with the GoogLeNet term at 0 and 30, without early stopping, without the inpainting
# term). Resumable: points already in the CSV are skipped.
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
for m in center left; do
  pts+=(--point="mask_type=$m;method=yeh;nsize=7;restarts=1;iters=1500;fill=best")  # as published
  add "mask_type=$m;method=yeh;nsize=63;restarts=16;iters=94"
  add "mask_type=$m;method=yeh;nsize=7;restarts=8;iters=188"        # the wide window off
  for s in "lambda_sem=0" "lambda_sem=30" \
           "lambda_sem=0;early_stop_patience=0" "lambda_sem=0;lambda_inp=0"; do
    add "mask_type=$m;method=semantic;$s;restarts=8;iters=188"
  done
done
python -m metrics.sweep --num=32 --out=metrics/results/sweep/restarts "${pts[@]}"
