"""`python -m inpaint.inpaint_main`: semantic image inpainting with the trained models.

Flags keep the seed's names and defaults; this file only builds a RunConfig
and calls inpaint.run.
"""

from absl import flags

from googlenet import model as gmodel
from inpaint import cli
from inpaint import distribute
from inpaint import data
from inpaint import engine
from inpaint import run as runlib
from masks import generate as mgen

FLAGS = flags.FLAGS
# Flag defaults come from the engine's config: one place for every default.
_D = engine.Config()
flags.DEFINE_integer('gpu_index', 0, 'Kept for compatibility; this port runs on CPU or the default device.')
flags.DEFINE_string('dataset', 'cars', 'Dataset name; outputs go to <dataset>/inpaint/<mask_type>/.')
flags.DEFINE_string('classifier', 'googlenet', 'Classifier of the semantic losses (googlenet).')
flags.DEFINE_float('learning_rate', _D.learning_rate, 'Learning rate of the latent optimization.')
flags.DEFINE_float('momentum', _D.momentum, 'Nesterov momentum.')
flags.DEFINE_integer('z_dim', 100, 'Latent size.')
flags.DEFINE_float('lamb', _D.lamb, 'Weight of the prior loss (D on G(z)).')
flags.DEFINE_bool('is_blend', True, 'Poisson-blend G(z) into the image.')
flags.DEFINE_float('lambda_sem', _D.lambda_sem, 'Weight of the semantic (GoogLeNet feature) loss.')
flags.DEFINE_string('layer', _D.layer, 'First GoogLeNet layer of the semantic loss.')
flags.DEFINE_string('layer_2', _D.layer_2, 'Second GoogLeNet layer of the semantic loss.')
flags.DEFINE_float('lambda_cat', _D.lambda_cat, 'Weight of the categorical (symmetric KL) loss.')
flags.DEFINE_float('lambda_inp', _D.lambda_inp, 'Weight of the inpainting loss (D on the composite).')
flags.DEFINE_string('mask_type', 'center', f'One of {", ".join(mgen.MASK_TYPES)}.')
flags.DEFINE_integer('img_size', 64, 'Image side in pixels.')
flags.DEFINE_integer('iters', _D.iters, 'Optimization iterations.')
flags.DEFINE_integer('num_try', 1, 'Number of batches to inpaint.')
flags.DEFINE_integer('print_freq', _D.print_freq, 'Print the losses every this many iterations.')
flags.DEFINE_integer('sample_batch', 16, 'Images (or own photos) optimized together per batch.')
flags.DEFINE_string('load_model', None, 'DCGAN run or export folder (default: the shipped '
                    'checkpoints/dcgan).')
flags.DEFINE_integer('n_class', 196, 'Number of classes of the classifier.')
flags.DEFINE_string('data_dir', None, 'Stanford Cars folder (default $CARS_DATA_DIR, then '
                    './data/stanford_cars).')
flags.DEFINE_string('split', 'val', 'Which images to inpaint: train | val | all.')
flags.DEFINE_string('output_dir', None, 'Output folder (default <dataset>/inpaint/<mask_type>/).')
flags.DEFINE_string('method', _D.method, f'One of {", ".join(engine.METHODS)}.')
flags.DEFINE_string('optimizer', _D.optimizer, f'One of {", ".join(engine.OPTIMIZERS)}.')
flags.DEFINE_integer('restarts', _D.restarts, 'Latent codes optimized per image (best one kept).')
flags.DEFINE_string('classifier_dir', None, 'GoogLeNet run or export folder (default: the '
                    'shipped checkpoints/googlenet).')
flags.DEFINE_string('image', None, 'Own photo (file or folder) to inpaint; needs --mask.')
flags.DEFINE_string('mask', None, 'Mask PNG for --image (white = fill, black = keep), or a '
                    'folder of masks named as the photos (<stem>.png or <stem>_mask.png).')
flags.DEFINE_bool('overwrite', False, 'Redo photos whose output already exists (else skipped).')
flags.DEFINE_string('reconstruct', None, 'Run the layer-reconstruction experiment on this '
                    'GoogLeNet layer instead of inpainting.')
flags.DEFINE_integer('seed', 0, 'Seed of the image choice, the masks and z.')
flags.DEFINE_bool('jit_compile', False, 'Compile the loop with XLA.')
flags.DEFINE_string('compute_dtype', 'float32', f'Network compute dtype: '
                    f'{", ".join(engine.COMPUTE_DTYPES)} (losses stay float32).')
flags.DEFINE_integer('nsize', _D.nsize, 'Window side of Yeh\'s context weighting (default: 63 '
                     'for semantic, 7 for yeh as published; the seed: 7).')
flags.DEFINE_bool('use_weighted_mask', _D.use_weighted_mask, 'Weight known pixels by the missing pixels '
                  'around them (Yeh); false: plain L1 on every known pixel.')
flags.DEFINE_string('z_init', _D.z_init, f'Initial z: {", ".join(engine.Z_INITS)} (normal = '
                    'the seed\'s np.random.randn, clipped to [-1, 1]).')
flags.DEFINE_string('semantic_input', _D.semantic_input, 'What the semantic term compares: composite '
                    '(the seed: features of G(z) vs of the composite) | masked (features of the '
                    'known pixels of G(z) vs of the image).')
flags.DEFINE_float('sem_known_frac', _D.sem_known_frac, 'Keep only feature positions whose share of known '
                   'pixels is at least this (0 = all, the seed).')
flags.DEFINE_float('early_stop_tol', _D.early_stop_tol, 'Relative loss improvement that counts as progress.')
flags.DEFINE_integer('early_stop_patience', _D.early_stop_patience, 'Stop an image after this many iterations '
                     'without progress (0 = run all --iters).')
cli.define_strategy_flags()


def config_from_flags() -> runlib.RunConfig:
  cli.require_choice('mask_type', FLAGS.mask_type, mgen.MASK_TYPES)
  cli.require_choice('method', FLAGS.method, engine.METHODS)
  cli.require_choice('optimizer', FLAGS.optimizer, engine.OPTIMIZERS)
  cli.require_choice('classifier', FLAGS.classifier, ('googlenet',))
  cli.require_choice('split', FLAGS.split, data.SPLITS)
  cli.require_choice('compute_dtype', FLAGS.compute_dtype, engine.COMPUTE_DTYPES)
  cli.require_choice('z_init', FLAGS.z_init, engine.Z_INITS)
  cli.require_choice('semantic_input', FLAGS.semantic_input, engine.SEMANTIC_INPUTS)
  if FLAGS.nsize is not None:
    cli.require_positive(nsize=FLAGS.nsize)
  if not 0 <= FLAGS.sem_known_frac <= 1:
    raise cli.UsageError(f'--sem_known_frac={FLAGS.sem_known_frac} must be in [0, 1]')
  for name in ('layer', 'layer_2') + (('reconstruct',) if FLAGS.reconstruct else ()):
    cli.require_choice(name, FLAGS[name].value, gmodel.ENDPOINTS)
  cli.require_positive(img_size=FLAGS.img_size, iters=FLAGS.iters, num_try=FLAGS.num_try,
                       print_freq=FLAGS.print_freq, sample_batch=FLAGS.sample_batch,
                       z_dim=FLAGS.z_dim, n_class=FLAGS.n_class, learning_rate=FLAGS.learning_rate,
                       restarts=FLAGS.restarts)
  for name in ('lamb', 'lambda_sem', 'lambda_cat', 'lambda_inp', 'momentum', 'early_stop_tol',
               'early_stop_patience'):
    if FLAGS[name].value < 0:
      raise cli.UsageError(f'--{name}={FLAGS[name].value} must not be negative')
  if FLAGS.mask and not FLAGS.image:
    raise cli.UsageError('--mask goes with --image=<file or folder>')
  eng = engine.Config(
      method=FLAGS.method, learning_rate=FLAGS.learning_rate, momentum=FLAGS.momentum,
      lamb=FLAGS.lamb, lambda_inp=FLAGS.lambda_inp, lambda_sem=FLAGS.lambda_sem,
      lambda_cat=FLAGS.lambda_cat, layer=FLAGS.layer, layer_2=FLAGS.layer_2, iters=FLAGS.iters,
      print_freq=FLAGS.print_freq, optimizer=FLAGS.optimizer, restarts=FLAGS.restarts,
      seed=FLAGS.seed, jit_compile=FLAGS.jit_compile, compute_dtype=FLAGS.compute_dtype,
      nsize=FLAGS.nsize, use_weighted_mask=FLAGS.use_weighted_mask, z_init=FLAGS.z_init,
      semantic_input=FLAGS.semantic_input, sem_known_frac=FLAGS.sem_known_frac,
      early_stop_tol=FLAGS.early_stop_tol, early_stop_patience=FLAGS.early_stop_patience)
  return runlib.RunConfig(
      engine=eng, dataset=FLAGS.dataset, data_dir=FLAGS.data_dir, split=FLAGS.split,
      mask_type=FLAGS.mask_type, img_size=FLAGS.img_size, num_try=FLAGS.num_try,
      sample_batch=FLAGS.sample_batch, is_blend=FLAGS.is_blend, load_model=FLAGS.load_model,
      classifier=FLAGS.classifier, classifier_dir=FLAGS.classifier_dir, n_class=FLAGS.n_class,
      z_dim=FLAGS.z_dim, output_dir=FLAGS.output_dir, image=FLAGS.image, mask=FLAGS.mask,
      reconstruct=FLAGS.reconstruct, seed=FLAGS.seed)


def run():
  rc = config_from_flags()
  strategy = cli.make_strategy(FLAGS.strategy, FLAGS.cpu_devices)
  cli.writable_dir(rc.out_dir(), 'output_dir')
  if not distribute.is_chief(strategy):
    # Every worker computes its share; only the chief's outputs are kept.
    rc.output_dir = distribute.write_dir(strategy, rc.out_dir())
  if rc.reconstruct:
    runlib.reconstruct_layer(rc)
  elif rc.image:
    runlib.inpaint_photos(rc, overwrite=FLAGS.overwrite, strategy=strategy)
  else:
    runlib.inpaint_dataset(rc, strategy=strategy)
  distribute.drop_write_dir(strategy, rc.out_dir())


if __name__ == '__main__':
  cli.start(run)
