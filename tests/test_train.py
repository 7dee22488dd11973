"""One real step of each trainer; checkpoints save, load and resume."""

import os
import shutil

import numpy as np
import pytest
from PIL import Image

from googlenet import train_lib as gtrain
from inpaint import ckpt
from inpaint import train_gan
from tests.conftest import TINY, tiny_gan_config


def _snapshot(model):
  return [w.numpy().copy() for w in model.trainable_weights]


def _changed(before, model):
  return all(not np.array_equal(b, w.numpy()) for b, w in zip(before, model.trainable_weights))


def test_gan_step_changes_both_networks():
  gan = train_gan.GAN(tiny_gan_config(batch_size=4))
  g0, d0 = _snapshot(gan.generator), _snapshot(gan.discriminator)
  real = np.random.default_rng(0).uniform(-1, 1, (4, 64, 64, 3)).astype(np.float32)
  d_loss, g_loss = gan.train_step(real)
  assert np.isfinite(float(d_loss)) and np.isfinite(float(g_loss))
  assert _changed(g0, gan.generator) and _changed(d0, gan.discriminator)
  assert int(gan.g_opt.iterations.numpy()) == 2  # G is stepped twice per D step.
  assert int(gan.d_opt.iterations.numpy()) == 1


def test_gan_train_resume_and_export(cropped_dir, tmp_path, capsys):
  cfg = tiny_gan_config(data_dir=cropped_dir, iters=4, batch_size=4, save_freq=2, sample_freq=2,
                        print_freq=2, output_root=str(tmp_path))
  run = train_gan.train(cfg)
  assert os.path.exists(os.path.join(run, 'sample', 'sample_4.png'))
  assert os.path.exists(os.path.join(run, 'logs'))
  assert ckpt.read_config(run)['width'] == TINY
  cfg.iters, cfg.load_model = 6, os.path.basename(run)
  assert train_gan.train(cfg) == run
  assert 'continue training at step 4' in capsys.readouterr().out
  state = ckpt.TrainState(run, generator=train_gan.GAN(cfg).generator)
  assert state.restore() and int(state.step.numpy()) == 6

  # Export: fp32 is exact, fp16 is within tolerance; both load by name.
  g, d, _ = train_gan.load_gan(run)
  z = np.random.default_rng(1).uniform(-1, 1, (3, 100)).astype(np.float32)
  ref = g(z, training=False).numpy()
  out = str(tmp_path / 'export')
  train_gan.export(run, out)
  g2, d2, conf = train_gan.load_gan(out)
  assert conf['arch'] == 'dcgan' and 'channel_order' not in conf  # True colour.
  got = g2(z, training=False).numpy()
  assert np.abs(got - ref).max() < 0.05 and not np.array_equal(got, np.zeros_like(got))
  assert 'lineage' not in conf and 'total_steps' not in conf  # From scratch.
  # A run warm-started from that export records it as its first stage.
  cfg2 = tiny_gan_config(data_dir=cropped_dir, iters=2, batch_size=4, save_freq=2,
                         print_freq=2, init_from=out, output_root=str(tmp_path / 'second'))
  out2 = str(tmp_path / 'export2')
  train_gan.export(train_gan.train(cfg2), out2)
  conf2 = ckpt.read_config(out2)
  assert conf2['lineage'] == [{'trained_from': os.path.basename(run), 'step': 6,
                               'recipe': conf['recipe']}]
  assert conf2['step'] == 2 and conf2['total_steps'] == 8
  ckpt.export_weights(str(tmp_path / 'fp32'), {'generator': g, 'discriminator': d},
                      train_gan.arch_config(cfg), fp16=False)
  g3, _, _ = train_gan.load_gan(str(tmp_path / 'fp32'))
  assert np.array_equal(g3(z, training=False).numpy(), ref)


def test_gan_training_stops_at_max_minutes_with_a_snapshot(cropped_dir, tmp_path, capsys):
  # A budget shorter than one step: the run stops after its first step, saved and resumable.
  cfg = tiny_gan_config(data_dir=cropped_dir, iters=1000, batch_size=4, save_freq=500,
                        sample_freq=500, print_freq=500, output_root=str(tmp_path),
                        max_minutes=1e-6)
  run = train_gan.train(cfg)
  assert 'stopped at step 1 after --max_minutes' in capsys.readouterr().out
  assert os.listdir(os.path.join(run, 'snapshots')) == ['0000001']
  state = ckpt.TrainState(run, generator=train_gan.GAN(cfg).generator)
  assert state.restore() and int(state.step.numpy()) == 1


def test_checkpoint_mismatch_says_what_differs(tiny_models):
  with pytest.raises(ckpt.CheckpointError, match='width'):
    ckpt.check_config(ckpt.read_config(tiny_models['dcgan']), {'width': 1.0}, 'x')
  with pytest.raises(ckpt.CheckpointError, match='does not exist'):
    ckpt.restore_models('/nonexistent/folder')


def test_googlenet_step_train_resume_eval(cropped_dir, tmp_path, capsys):
  cfg = gtrain.Config(data_dir=cropped_dir, width=TINY, n_class=3, bsize=8, maxepoch=1,
                      save_dir=str(tmp_path))
  trainer = gtrain.Trainer(cfg)
  before = _snapshot(trainer.model)
  x = np.random.default_rng(0).uniform(-1, 1, (8, 64, 64, 3)).astype(np.float32)
  loss, _ = trainer.train_step(x, np.arange(8, dtype=np.int32) % 3)
  assert np.isfinite(float(loss))
  changed = sum(not np.array_equal(b, w.numpy()) for b, w in zip(before, trainer.model.trainable_weights))
  assert changed == len(before)

  run = gtrain.train(cfg)
  assert os.path.exists(os.path.join(run, 'export', ckpt.WEIGHTS))
  cfg.load, cfg.maxepoch = run, 2
  gtrain.train(cfg)
  out = capsys.readouterr().out
  assert 'epoch 2/2' in out and 'epoch 1/2' not in out  # Resumed after epoch 1.
  cfg.eval_split = 'val'
  top1, top5, n = gtrain.evaluate(cfg)
  assert 0 <= top1 <= top5 <= 1 and n == 3  # One val image per class.
  # The lean export gives the same logits as the training checkpoint (fp16 tolerance).
  a = gtrain.load_inference(run)
  b = gtrain.load_inference(os.path.join(run, 'export'))
  assert np.abs(a(x).numpy() - b(x).numpy()).max() < 0.05 * (np.abs(a(x).numpy()).max() + 1e-3)


def test_lr_schedule_scales():
  assert gtrain.lr_boundaries(100) == (30, 50)
  assert gtrain.lr_boundaries(30) == (15, 25)
  cfg = gtrain.Config(maxepoch=100, lr=1.0, lr_schedule='step')
  assert [gtrain.learning_rate(cfg, e) for e in (0, 30, 50)] == [1.0, 0.1, pytest.approx(0.01)]
  cos = gtrain.Config(maxepoch=10, lr=1.0, lr_schedule='cosine', warmup_epochs=0)
  assert gtrain.learning_rate(cos, 0) == 1.0 and gtrain.learning_rate(cos, 5) == pytest.approx(0.5)
  warm = gtrain.Config(maxepoch=12, lr=1.0, lr_schedule='cosine', warmup_epochs=2)
  lrs = [gtrain.learning_rate(warm, e) for e in range(12)]
  assert lrs[0] == pytest.approx(1 / 3) and lrs[1] == pytest.approx(2 / 3) and lrs[2] == 1.0
  assert lrs[7] == pytest.approx(0.5) and all(a > b for a, b in zip(lrs[2:], lrs[3:]))


@pytest.mark.parametrize('mix', ['mixup', 'cutmix'])
def test_batch_mixing_keeps_targets_consistent(mix):
  trainer = gtrain.Trainer(gtrain.Config(width=TINY, n_class=4, mix=mix, mix_prob=1.0))
  rng = np.random.default_rng(0)
  x = rng.uniform(-1, 1, (6, 64, 64, 3)).astype(np.float32)
  t = np.eye(4, dtype=np.float32)[[0, 1, 2, 3, 0, 1]]
  for _ in range(3):
    mx, mt = (a.numpy() for a in trainer.mix(x, t))
    np.testing.assert_allclose(mt.sum(1), 1.0, rtol=1e-6)  # Still distributions.
    lam = mt[0, 0] if mt[0, 0] > 0 else 0.0
    # Each mixed image is lam * own + (1 - lam) * the reversed batch's (pixel share for CutMix).
    if mix == 'mixup':
      np.testing.assert_allclose(mx[0], lam * x[0] + (1 - lam) * x[-1], atol=1e-5)
    else:
      own = np.isclose(mx[0], x[0]).all(-1).mean()
      assert abs(own - lam) < 1e-6
  none = gtrain.Trainer(gtrain.Config(width=TINY, n_class=4, mix='none'))
  mx, mt = none.mix(x, t)
  assert np.array_equal(np.asarray(mx), x) and np.array_equal(np.asarray(mt), t)


def test_sampling_writes_grid_and_timing(tiny_models, tmp_path, capsys):
  cfg = tiny_gan_config(load_model=tiny_models['dcgan'], sample_batch=9,
                        output_root=str(tmp_path))
  out_dir = train_gan.sample(cfg)
  assert os.path.exists(os.path.join(out_dir, 'sample_0.png'))
  assert 'average generation time' in capsys.readouterr().out
  # An older export made for red/blue-swapped images loads converted: its grid is in
  # true colour, i.e. the stored weights' grid swapped back.
  bgr = tmp_path / 'bgr'
  shutil.copytree(tiny_models['dcgan'], bgr)
  conf = ckpt.read_config(str(bgr))
  ckpt.write_config(str(bgr), {**conf, 'channel_order': 'bgr'})
  rgb_grid = np.asarray(Image.open(os.path.join(out_dir, 'sample_0.png')))
  cfg.load_model, cfg.output_root = str(bgr), str(tmp_path / 'b')
  bgr_grid = np.asarray(Image.open(os.path.join(train_gan.sample(cfg), 'sample_0.png')))
  assert np.array_equal(bgr_grid, rgb_grid[..., ::-1]) and not np.array_equal(bgr_grid, rgb_grid)


def test_predict_skips_unreadable(tiny_models, cropped_dir, tmp_path):
  cfg = gtrain.Config(load=tiny_models['googlenet'])
  folder = os.path.join(cropped_dir, 'cars_train_cropped')
  paths = [os.path.join(folder, f) for f in ('00001.jpg', '00033.jpg', '00032.jpg')]
  rows = gtrain.predict(cfg, paths)
  assert [r[0] for r in rows] == [paths[0], paths[2]]  # The corrupt file is skipped.
  assert all(0 <= c < 196 and 0 < p <= 1 for _, c, p in rows)
  # An older export made for red/blue-swapped images (channel_order bgr) loads converted:
  # on swapped files it answers what the stored weights answer on the original files.
  bgr = tmp_path / 'bgr'
  shutil.copytree(tiny_models['googlenet'], bgr)
  ckpt.write_config(str(bgr), {**ckpt.read_config(str(bgr)), 'channel_order': 'bgr'})
  swapped = []
  for p in (paths[0], paths[2]):
    swapped.append(str(tmp_path / os.path.basename(p).replace('.jpg', '.png')))
    Image.fromarray(np.asarray(Image.open(p).convert('RGB'))[..., ::-1].copy()).save(swapped[-1])
  got = gtrain.predict(gtrain.Config(load=str(bgr)), swapped)
  assert [(c, pytest.approx(p, rel=1e-4)) for _, c, p in got] == [(c, p) for _, c, p in rows]


def test_gan_warm_start_copies_g_d_and_ema(tiny_models):
  """--init_from: a new run starts from an export's G and D (EMA = G), fresh optimizers."""
  cfg = tiny_gan_config(ema_decay=0.99, init_from=tiny_models['dcgan'])
  gan = train_gan.GAN(cfg)
  g, d, _ = train_gan.load_gan(tiny_models['dcgan'])
  assert not np.array_equal(gan.generator.weights[0].numpy(), g.weights[0].numpy())
  train_gan.warm_start(gan, cfg)
  for mine, theirs in ((gan.generator, g), (gan.discriminator, d), (gan.generator_ema, g)):
    assert all(np.array_equal(a.numpy(), b.numpy()) for a, b in zip(mine.weights, theirs.weights))
  assert int(gan.g_opt.iterations.numpy()) == 0
