"""The sweep: grid parsing, the tune/report split, resuming."""

import numpy as np
import pytest

from inpaint import data
from inpaint import engine
from inpaint import run as runlib
from metrics import sweep_lib
from metrics import tables


def test_tune_and_report_are_disjoint_halves():
  tune, report = data.subset_indices(733, 'tune'), data.subset_indices(733, 'report')
  assert not set(tune) & set(report) and len(tune) + len(report) == 733
  assert np.array_equal(tune, data.subset_indices(733, 'tune'))  # Fixed, whatever --seed.
  with pytest.raises(ValueError, match='tune, report'):
    data.subset_indices(10, 'test')


def test_parse_grid_types_and_errors():
  g = sweep_lib.parse_grid(['lambda_sem=0,1e2', 'nsize=7,63', 'use_weighted_mask=false,true',
                           'layer=inception_3b', 'mask_type=left,center'])
  assert g['lambda_sem'] == [0.0, 100.0] and g['nsize'] == [7, 63]
  assert g['use_weighted_mask'] == [False, True] and g['mask_type'] == ['left', 'center']
  assert len(sweep_lib.points(g)) == 16
  with pytest.raises(ValueError, match='lambda_sem'):
    sweep_lib.parse_grid(['lambda_semm=1'])
  with pytest.raises(ValueError, match='boolean'):
    sweep_lib.parse_grid(['use_weighted_mask=maybe'])
  assert sweep_lib.parse_point('method=yeh;nsize=63') == {'method': 'yeh', 'nsize': 63}
  assert sweep_lib.points({}) == []


def test_sweep_runs_resumes_and_refuses_report(tiny_models, cropped_dir, tmp_path):
  eng = engine.Config(iters=4, print_freq=2)
  base = runlib.RunConfig(engine=eng, data_dir=cropped_dir, split='all', subset='tune',
                          load_model=tiny_models['dcgan'], classifier_dir=tiny_models['googlenet'],
                          encoder_dir=tiny_models['encoder'], mask_type='center')
  grid = sweep_lib.parse_grid(['method=yeh,biharmonic', 'lamb=0,0.1'])
  path = str(tmp_path / 'sweep.csv')
  lines = []
  rows = sweep_lib.sweep(grid, base, 3, path, log=lines.append,
                        extra_points=[{'method': 'yeh', 'lamb': 0.0}])  # Already in the grid.
  assert len(rows) == 4 and 'eta' in lines[-1]
  holes = [float(r['psnr_hole']) for r in rows]
  assert holes == sorted(holes, reverse=True) and all(np.isfinite(holes))
  lines.clear()
  again = sweep_lib.sweep(grid, base, 3, path, log=lines.append)
  assert len(again) == 4 and lines == ['0 point(s) to run, 4 already in ' + path]
  assert '| center |' in sweep_lib.markdown(again)
  # Every image's scores are kept, and paired differences come from them.
  images = tables.read_csv(sweep_lib.images_path(path))
  assert len(images) == 4 * 3 and {r['image'] for r in images} == {'0', '1', '2'}
  by_name = {r['point']: float(r['psnr_hole']) for r in rows}
  a, b = 'lamb=0.1 method=biharmonic', 'lamb=0 method=yeh'
  mean, se, n = sweep_lib.paired(images, a, b, 'center')
  assert n == 3 and se >= 0 and mean == pytest.approx(by_name[a] - by_name[b], abs=1e-3)
  assert sweep_lib.paired(images, a, a, 'center')[:2] == (0.0, 0.0)
  assert sweep_lib.paired(images, a, b, 'left') is None  # No scores for that mask.
  table = sweep_lib.markdown(again, images, reference=b)
  assert f'PSNR hole - ({b})' in table and f'{mean:+.3f} ± {se:.3f}' in table
  assert 'PSNR hole -' not in sweep_lib.markdown(again, images, reference='no such point')
  import dataclasses
  with pytest.raises(ValueError, match='tune subset'):
    sweep_lib.sweep(grid, dataclasses.replace(base, subset='report'), 3, path)


def test_points_may_name_a_preset():
  p = sweep_lib.parse_point('preset=random_start;mask_type=left;start_noise=0.5')
  assert p == {'preset': 'random_start', 'mask_type': 'left', 'start_noise': 0.5}
  assert sweep_lib.point_name(p) == 'preset=random_start start_noise=0.5'
  assert sweep_lib.parse_point('lambda_inp=0.5') == {'lambda_inp': 0.5}  # Not cut to an int.
  with pytest.raises(ValueError, match='random_start'):
    sweep_lib.parse_point('preset=fastest')
