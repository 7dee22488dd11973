#!/usr/bin/env bash
# The shipped DCGAN's lineage, in order: each run starts from the export of the one
# before (--init_from) and is exported into $OUT/<recipe>; the last step writes the
# shipped pair (the G of dcgan_5_projected with the pixel D of dcgan_4_lr). Run from the repository root:
#   CARS_DATA_DIR=<data> bash inpaint/recipes/dcgan.sh [out folder]
# Every run resumes where it stopped when the script is run again.
set -euo pipefail
OUT=${1:-recipes_out}
RECIPES=$(dirname "$0")
prev=
for recipe in dcgan_1_seed dcgan_2_ema dcgan_3_diffaug dcgan_4_lr dcgan_5_projected; do
  if [ ! -f "$OUT/$recipe/weights.npz" ]; then
    run=$(cat "$OUT/$recipe.run" 2>/dev/null || true)
    if [ -z "$run" ]; then  # A new run: remember its folder, so that a rerun resumes it.
      before=$(ls -d cars/model/*/ 2>/dev/null || true)
      python -m inpaint.main --flagfile="$RECIPES/$recipe.flags" ${prev:+--init_from="$prev"} --iters=1
      run=$(comm -13 <(echo "$before") <(ls -d cars/model/*/) | head -1)
      mkdir -p "$OUT" && echo "$run" > "$OUT/$recipe.run"
    fi
    python -m inpaint.main --flagfile="$RECIPES/$recipe.flags" --load_model="$run"
    python -m inpaint.main --load_model="$run" --export_dir="$OUT/$recipe"
  fi
  prev=$OUT/$recipe
done
python -m inpaint.main --load_model="$(cat "$OUT/dcgan_5_projected.run")" \
  --export_dir="$OUT/dcgan" --export_d_from="$OUT/dcgan_4_lr"
echo "shipped pair: $OUT/dcgan (G of dcgan_5_projected, D of dcgan_4_lr)"
