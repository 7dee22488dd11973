"""Training killed with SIGKILL after a checkpoint resumes cleanly."""

import os
import signal
import subprocess
import sys
import time

import pytest
import tensorflow as tf

from inpaint import ckpt

# Every test here runs a command in its own process: `pytest -m "not cli"` skips them.
pytestmark = pytest.mark.cli

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARGS = ['-m', 'inpaint.main', '--training', '--width=0.0625', '--batch_size=4', '--save_freq=2',
        '--print_freq=1', '--sample_freq=1000']


def _latest_step(run_dir):
  latest = tf.train.latest_checkpoint(os.path.join(run_dir, 'ckpt'))
  return int(latest.rsplit('-', 1)[1]) if latest else 0


def test_sigkill_then_resume(cropped_dir, tmp_path):
  env = {**os.environ, 'PYTHONPATH': ROOT}
  proc = subprocess.Popen([sys.executable, *ARGS, '--iters=100000', f'--data_dir={cropped_dir}'],
                          cwd=str(tmp_path), env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT)
  model_dir = tmp_path / 'cars' / 'model'
  deadline = time.time() + 240
  run_dir = None
  try:
    # Wait (polling the file system) until at least two checkpoints exist.
    while time.time() < deadline:
      runs = os.listdir(model_dir) if model_dir.exists() else []
      if runs:
        run_dir = str(model_dir / runs[0])
        if _latest_step(run_dir) >= 4:
          break
      time.sleep(0.2)
  finally:
    proc.send_signal(signal.SIGKILL)
    proc.wait()
  assert run_dir and _latest_step(run_dir) >= 4, 'no checkpoint before the deadline'
  killed_at = _latest_step(run_dir)
  resume = subprocess.run([sys.executable, *ARGS, f'--iters={killed_at + 4}',
                           f'--data_dir={cropped_dir}', f'--load_model={os.path.basename(run_dir)}'],
                          cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300)
  assert resume.returncode == 0, resume.stderr[-2000:]
  assert f'continue training at step {killed_at}' in resume.stdout
  assert f'step {killed_at + 4}/{killed_at + 4}' in resume.stdout
  assert _latest_step(run_dir) == killed_at + 4
  assert ckpt.read_config(run_dir)['iters'] == killed_at + 4
