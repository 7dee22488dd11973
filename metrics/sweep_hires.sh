#!/usr/bin/env bash
# The full-resolution fill's detail settings, chosen on the tune half of the
# native-resolution photos (48, a box and a brush stroke each): how fine the detail taken
# from the patches is (detail_sigma, pixels) and whether its strength is matched to the
# known ring around the hole (match_detail), and whether it fades in from the hole's edge
# (feather). The other rows once, beside the first point.
# Scores per photo in metrics/results/hires/tune_<mask>.csv, the tables in tune.md.
#   CARS_HIRES_DIR=<photos> bash metrics/sweep_hires.sh
set -euo pipefail
out=metrics/results/hires
run() { python -m metrics.hires --half=tune --out="$out" "$@"; }
run --detail_sigma=1 --nomatch_detail --label=sigma1_nomatch_detail
for s in 0.7 1 2; do
  for m in match_detail nomatch_detail; do
    [ "$s$m" = 1nomatch_detail ] && continue
    run --rows=detail --detail_sigma=$s --$m --label="sigma${s}_${m}"
  done
done
# Then the detail faded in from the hole's edge over 2 or 4 pixels (feather), at the two
# finest scales matched to the ring.
for s in 0.7 1; do
  for f in 2 4; do
    run --rows=detail --detail_sigma=$s --match_detail --feather=$f \
      --label="sigma${s}_match_detail_feather$f"
  done
done
run --cached_only
