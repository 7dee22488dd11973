"""The three commands: flags listed, bad values end in one line with exit code 2."""

import os
import subprocess
import sys

import pytest

# Every test here runs a command in its own process: `pytest -m "not cli"` skips them.
pytestmark = pytest.mark.cli

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(module, *args, cwd=None, env_extra=None):
  env = {**os.environ, 'PYTHONPATH': ROOT, **(env_extra or {})}
  env.pop('INPAINT_DEBUG', None)
  return subprocess.run([sys.executable, '-m', module, *args], capture_output=True, text=True,
                        cwd=cwd or ROOT, env=env, timeout=300)


def _one_error_line(proc, code=2):
  """Exit code 2 for flags, data and files; 1 for an unusable checkpoint."""
  lines = [l for l in proc.stderr.splitlines() if l.startswith('error:')]
  assert proc.returncode == code, proc.stderr[-2000:]
  assert len(lines) == 1 and 'Traceback' not in proc.stderr
  return lines[0]


FLAGS = {
    'inpaint.main': ['batch_size', 'dataset', 'training', 'learning_rate', 'beta1', 'z_dim',
                     'iters', 'print_freq', 'save_freq', 'sample_freq', 'sample_batch',
                     'load_model', 'data_dir'],
    'googlenet.train': ['train', 'eval', 'predict', 'load', 'lr', 'bsize', 'keep_prob',
                        'maxepoch', 'data_dir', 'split', 'n_class'],
    'inpaint.inpaint_main': ['dataset', 'classifier', 'learning_rate', 'momentum', 'z_dim',
                             'lamb', 'is_blend', 'lambda_sem', 'layer', 'layer_2', 'lambda_cat',
                             'lambda_inp', 'mask_type', 'img_size', 'iters', 'num_try',
                             'print_freq', 'sample_batch', 'load_model', 'n_class', 'gpu_index',
                             'data_dir', 'output_dir', 'method', 'image', 'mask', 'reconstruct'],
}


@pytest.mark.parametrize('module', sorted(FLAGS))
def test_helpfull_lists_original_flags(module):
  proc = _run(module, '--helpfull')  # absl exits 1 after printing help.
  assert 'Traceback' not in proc.stderr
  for name in FLAGS[module]:
    assert f'--{name}' in proc.stdout or f'--[no]{name}' in proc.stdout, name


@pytest.mark.parametrize('args, words', [
    (['--layer=inception_9z'], ['inception_9z', 'inception_4b']),
    (['--mask_type=square'], ['square', 'center, left, random, half, pattern']),
    (['--iters=-1'], ['--iters=-1', 'negative']),
    (['--method=magic'], ['magic', 'search, one_pass, semantic, yeh, biharmonic, exemplar']),
    (['--load_model=/no/such/run'], ['/no/such/run']),
    (['--image=/no/such.jpg', '--mask=/no/mask.png'], ['/no/such.jpg']),
])
def test_inpaint_main_bad_values(args, words, tmp_path):
  code = 1 if args[0].startswith('--load_model') else 2  # 1: an unusable checkpoint.
  line = _one_error_line(_run('inpaint.inpaint_main', *args, cwd=str(tmp_path)), code)
  for w in words:
    assert w in line


def test_main_and_googlenet_bad_values(tmp_path):
  line = _one_error_line(_run('inpaint.main', '--training', '--batch_size=-1', cwd=str(tmp_path)))
  assert '--batch_size=-1' in line
  line = _one_error_line(_run('inpaint.main', '--training', '--data_dir=/no/data',
                              '--iters=1', cwd=str(tmp_path)))
  assert '/no/data' in line
  line = _one_error_line(_run('googlenet.train', '--eval', '--split=test', cwd=str(tmp_path)))
  assert 'train, val, all' in line
  line = _one_error_line(_run('googlenet.train', '--eval', '--load=/no/ckpt', cwd=str(tmp_path)), 1)
  assert '/no/ckpt' in line


def test_masks_command(tmp_path):
  proc = _run('masks', '--mask_type=random', '--num=3', f'--out={tmp_path}')
  assert proc.returncode == 0 and len(os.listdir(tmp_path)) == 3
  assert _run('masks', '--mask_type=oval').returncode == 2


def test_original_flagfiles_give_the_2018_configuration():
  import dataclasses
  from absl import flags
  from absl.testing import flagsaver
  from inpaint import engine
  from inpaint import inpaint_main
  with flagsaver.flagsaver():
    flags.FLAGS.unparse_flags()
    flags.FLAGS(['prog', f'--flagfile={os.path.join(ROOT, "inpaint", "original.flags")}'])
    got = dataclasses.asdict(inpaint_main.config_from_flags().engine)
    flags.FLAGS.unparse_flags()
  assert got == dataclasses.asdict(engine.original())  # Every setting, none left to a method.
  # googlenet/original.flags parses too and names the original recipe.
  text = open(os.path.join(ROOT, 'googlenet', 'original.flags')).read()
  assert '--lr_schedule=step' in text and '--mix=none' in text and '--keep_prob=0.4' in text


def test_bare_googlenet_train_trains_then_evaluates(cropped_dir, tmp_path):
  args = ('--width=0.0625', '--n_class=3', '--maxepoch=1', '--bsize=8', f'--data_dir={cropped_dir}',
          f'--save_dir={tmp_path / "runs"}')
  proc = _run('googlenet.train', *args, cwd=str(tmp_path))
  assert proc.returncode == 0, proc.stderr[-2000:]
  assert 'epoch 1/1' in proc.stdout and 'top1=' in proc.stdout
  again = _run('googlenet.train', *args[:2], '--maxepoch=2', *args[3:], cwd=str(tmp_path))
  assert again.returncode == 0, again.stderr[-2000:]
  assert 'resuming' in again.stdout and 'epoch 2/2' in again.stdout and 'epoch 1/2' not in again.stdout


def test_dcgan_recipes_parse_and_their_last_stage_is_the_shipped_one():
  """inpaint/recipes: every run's flagfile is a valid trainer config, the runs' steps add
  up to the shipped generator's, and the last run's recipe is the one it records."""
  import glob
  import json
  stages = sorted(glob.glob(os.path.join(ROOT, 'inpaint', 'recipes', 'dcgan_*.flags')))
  assert len(stages) == 5
  # In a process of its own: inpaint.main's flags clash with inpaint_main's loaded here.
  code = ('import dataclasses, json, sys\n'
          'from absl import flags\n'
          'from inpaint import main\n'
          'out = []\n'
          'for path in sys.argv[1:]:\n'
          '  flags.FLAGS.unparse_flags()\n'
          '  flags.FLAGS(["prog", "--flagfile=" + path])\n'
          '  assert flags.FLAGS.training\n'
          '  out.append(dataclasses.asdict(main.config_from_flags()))\n'
          'print(json.dumps(out))\n')
  proc = subprocess.run([sys.executable, '-c', code, *stages], capture_output=True, text=True,
                        cwd=ROOT, env={**os.environ, 'PYTHONPATH': ROOT}, timeout=300)
  assert proc.returncode == 0, proc.stderr[-2000:]
  cfgs = json.loads(proc.stdout.strip().splitlines()[-1])
  with open(os.path.join(ROOT, 'checkpoints', 'dcgan_projected', 'config.json')) as f:
    shipped = json.load(f)
  assert sum(c['iters'] for c in cfgs) == shipped['total_steps']
  last, recipe = cfgs[-1], shipped['recipe']
  for k in ('learning_rate', 'd_learning_rate', 'diffaug', 'ema_decay'):
    assert last[k] == recipe[k], k
  assert last['d_features'] == shipped['d_features'] and last['width'] == shipped['width']
  assert [c['iters'] for c in cfgs[1:4]] == [s['step'] for s in shipped['lineage'][1:]]
