"""The import graph points one way: every module has a layer and imports only from its
own layer or below (README, "Layout"). A new module must be given a layer here."""

import ast
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGES = ('inpaint', 'googlenet', 'metrics', 'masks')

# Bottom to top. Entry points (the last layer) only parse flags and call the layers below.
LAYERS = (
    # Numpy-only foundations: masks and the error functions.
    ('masks', 'masks.generate', 'metrics', 'metrics.errors', 'metrics.reporting', 'inpaint',
     'googlenet', 'inpaint.checks'),
    # Shared by both trainers and the inpainting jobs: data, checkpoints, devices, the
    # classical fills, blending, both model definitions; tables of metrics.
    ('inpaint.data', 'inpaint.ckpt', 'inpaint.distribute', 'inpaint.tb', 'inpaint.blend',
     'inpaint.exemplar', 'inpaint.baseline', 'inpaint.diffaug', 'inpaint.dcgan',
     'inpaint.images', 'inpaint.cli', 'metrics.tables', 'metrics.plot', 'googlenet.model'),
    # The classifier's training; the one loader of trained networks.
    ('googlenet.train_lib', 'inpaint.networks'),
    # The engine (loss terms + latent optimisation) and the Frechet distance.
    ('inpaint.engine', 'metrics.frechet'),
    # Jobs: training the GAN, inpainting datasets and photos, writing outputs.
    ('inpaint.train_gan', 'inpaint.run', 'inpaint.photos', 'inpaint.outputs'),
    # Jobs over jobs: comparison, sweeps, speed.
    ('metrics.comparison', 'metrics.sweeping', 'metrics.speed', 'metrics.curves', 'inpaint.webapp'),
    # Entry points.
    ('inpaint.main', 'inpaint.inpaint_main', 'googlenet.train', 'metrics.compare',
     'metrics.sweep', 'metrics.fd_main', 'metrics.fd_curve', 'metrics.benchmark',
     'metrics.measure_errors', 'metrics.report', 'inpaint.app', 'masks.__main__'),
)
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}
ENTRY = set(LAYERS[-1])


def _modules():
  for pkg in PACKAGES:
    for f in sorted(os.listdir(os.path.join(ROOT, pkg))):
      if f.endswith('.py'):
        name = pkg if f == '__init__.py' else f'{pkg}.{f[:-3]}'
        yield name, os.path.join(ROOT, pkg, f)


def _imports(path):
  """Project modules a file imports, at any depth (function-level imports count too)."""
  out = set()
  for node in ast.walk(ast.parse(open(path).read())):
    if isinstance(node, ast.Import):
      names = [a.name for a in node.names]
    elif isinstance(node, ast.ImportFrom) and node.module:
      names = [f'{node.module}.{a.name}' if f'{node.module}.{a.name}' in RANK else node.module
               for a in node.names]
    else:
      continue
    out.update(n for n in names if n.split('.')[0] in PACKAGES)
  return out


MODULES = dict(_modules())


@pytest.mark.parametrize('name', sorted(MODULES))
def test_module_imports_only_its_layer_or_below(name):
  assert name in RANK, f'{name} has no layer in tests/test_layers.py: give it one'
  for dep in _imports(MODULES[name]):
    assert dep in RANK, f'{name} imports {dep}, which has no layer'
    assert RANK[dep] <= RANK[name], (f'{name} (layer {RANK[name]}) imports {dep} '
                                     f'(layer {RANK[dep]}): layers only point down')
    assert dep not in ENTRY, f'{name} imports the entry point {dep}'


@pytest.mark.parametrize('name', sorted(set(MODULES) - ENTRY - {'inpaint.cli'}))
def test_only_entry_points_read_flags(name):
  src = open(MODULES[name]).read()
  assert 'FLAGS' not in src and 'flags.DEFINE' not in src, (
      f'{name} reads absl flags; only entry points (and inpaint.cli, their helpers) may')


def test_the_layer_test_sees_a_violation(tmp_path):
  bad = tmp_path / 'bad.py'
  bad.write_text('from inpaint import run\nimport googlenet.train\n')
  assert _imports(str(bad)) == {'inpaint.run', 'googlenet.train'}
