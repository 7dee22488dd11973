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
    ('masks', 'masks.generate', 'metrics', 'metrics.errors', 'inpaint',
     'googlenet', 'inpaint.checks', 'inpaint.engine.methods', 'inpaint.patchmatch'),
    # Shared by both trainers and the inpainting jobs: data, checkpoints, devices, the
    # classical fills, blending, both model definitions; tables of metrics.
    ('inpaint.data', 'inpaint.ckpt', 'inpaint.distribute', 'inpaint.tb', 'inpaint.blend',
     'inpaint.exemplar', 'inpaint.baseline', 'inpaint.diffaug', 'inpaint.dcgan',
     'inpaint.images', 'inpaint.cli', 'metrics.tables', 'metrics.report_lib', 'metrics.plot',
     'googlenet.model',
     'inpaint.encoder'),
    # Photos at their own resolution (patches, the classical fills at full size).
    ('inpaint.fullres',),
    # The classifier's training; the one loader of trained networks.
    ('googlenet.train_lib', 'inpaint.networks'),
    # The engine, bottom to top: settings and the terms' formulas (and the Frechet
    # distance); the objective and the start codes; the compiled loop; what uses the loop.
    ('inpaint.engine.config', 'inpaint.engine.terms', 'metrics.frechet'),
    ('inpaint.engine.objective', 'inpaint.engine.starts'),
    ('inpaint.engine.loop',),
    ('inpaint.engine.reconstruct', 'inpaint.engine'),
    # Jobs: training the GAN and the encoder, inpainting datasets and photos, outputs.
    ('inpaint.train_gan', 'inpaint.encoder_train', 'inpaint.serving', 'inpaint.run',
     'inpaint.photos', 'inpaint.outputs'),
    # Jobs over jobs: comparison, sweeps, speed.
    ('metrics.compare_lib', 'metrics.sweep_lib', 'metrics.benchmark_lib', 'metrics.fd_curve_lib',
     'metrics.hires_lib', 'inpaint.webapp'),
    # The page driven in a browser (it times the page's server and what the page does).
    ('metrics.page_lib',),
    # Entry points.
    ('inpaint.main', 'inpaint.inpaint_main', 'googlenet.train', 'metrics.compare',
     'metrics.sweep', 'metrics.fd_main', 'metrics.fd_curve', 'metrics.benchmark',
     'metrics.measure_errors', 'metrics.report', 'inpaint.app', 'masks.__main__',
     'inpaint.encoder_main', 'metrics.hires', 'metrics.page_speed'),
)
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}
ENTRY = set(LAYERS[-1])


def _modules():
  """(module name, path) of every module of the packages, subpackages included."""
  for pkg in PACKAGES:
    for folder, _, files in sorted(os.walk(os.path.join(ROOT, pkg))):
      if '__init__.py' not in files:
        continue  # Not a package (e.g. results, examples).
      prefix = os.path.relpath(folder, ROOT).replace(os.sep, '.')
      for f in sorted(files):
        if f.endswith('.py'):
          yield (prefix if f == '__init__.py' else f'{prefix}.{f[:-3]}'), os.path.join(folder, f)


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


def violations(name, path):
  """What breaks the layering in module `name` (source at path): one message each."""
  if name not in RANK:
    return [f'{name} has no layer in tests/test_layers.py: give it one']
  out = []
  for dep in sorted(_imports(path)):
    if dep not in RANK:
      out.append(f'{name} imports {dep}, which has no layer')
    elif RANK[dep] > RANK[name]:
      out.append(f'{name} (layer {RANK[name]}) imports {dep} (layer {RANK[dep]}): layers '
                 'only point down')
    elif dep in ENTRY:
      out.append(f'{name} imports the entry point {dep}')
  return out


@pytest.mark.parametrize('name', sorted(MODULES))
def test_module_imports_only_its_layer_or_below(name):
  assert not violations(name, MODULES[name])


@pytest.mark.parametrize('name', sorted(set(MODULES) - ENTRY - {'inpaint.cli'}))
def test_only_entry_points_read_flags(name):
  src = open(MODULES[name]).read()
  assert 'FLAGS' not in src and 'flags.DEFINE' not in src, (
      f'{name} reads absl flags; only entry points (and inpaint.cli, their helpers) may')


def test_the_layer_test_sees_a_violation(tmp_path):
  """A data module importing a job (upward), a model importing an entry point, and an
  engine module importing from the engine's top are each reported; a legal file is not."""
  bad = tmp_path / 'bad.py'
  bad.write_text('from inpaint import run\nimport googlenet.train\n')
  found = violations('inpaint.data', str(bad))
  assert len(found) == 2 and 'googlenet.train' in found[0] and 'inpaint.run' in found[1]
  bad.write_text('def f():\n  from inpaint.engine import loop\n')
  assert violations('inpaint.engine.terms', str(bad))
  assert violations('inpaint.nowhere', str(bad))  # A module without a layer.
  good = tmp_path / 'good.py'
  good.write_text('from inpaint import data\nfrom inpaint.engine import terms\n')
  assert violations('inpaint.engine.loop', str(good)) == []
