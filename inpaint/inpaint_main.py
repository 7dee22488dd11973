"""`python -m inpaint.inpaint_main`: semantic image inpainting with the trained models.

Flags keep the seed's names and defaults; this file only builds a RunConfig
and calls inpaint.run.
"""

from absl import flags

from inpaint import cli
from inpaint import distribute
from inpaint import engine
from inpaint import photos
from inpaint import run as runlib
from masks import generate as mgen

FLAGS = flags.FLAGS
# Flag defaults come from the engine's config: one place for every default.
_D = engine.Config()
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
flags.DEFINE_float('random_missing', mgen.RANDOM_MISSING, 'Share of pixels the random mask '
                   'drops (the seed: 0.7; Yeh et al.: 0.8).')
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
flags.DEFINE_enum('source', 'auto', ['auto', 'generated'], 'auto: the dataset when found, '
                  'else cars drawn from the generator; generated: always those.')
flags.DEFINE_string('output_dir', None, 'Output folder (default <dataset>/inpaint/<mask_type>/).')
flags.DEFINE_string('method', _D.method, f'One of {", ".join(engine.METHODS)}.')
flags.DEFINE_string('optimizer', _D.optimizer, f'One of {", ".join(engine.OPTIMIZERS)}.')
flags.DEFINE_integer('restarts', _D.restarts, 'Latent codes optimized per image, all in one batch.')
flags.DEFINE_string('fill', _D.fill, f'How the restarts make the fill: {", ".join(engine.FILLS)} '
                    '(best: the lowest-loss restart; mean: per pixel over the --fill_k lowest-loss '
                    'restarts). With several restarts a spread map is written.')
flags.DEFINE_integer('fill_k', _D.fill_k, 'Restarts a mean fill uses, lowest loss '
                     'first (0 = all).')
flags.DEFINE_string('classifier_dir', None, 'GoogLeNet run or export folder (default: the '
                    'shipped checkpoints/googlenet).')
flags.DEFINE_string('image', None, 'Own photo (file or folder) to inpaint; needs --mask.')
flags.DEFINE_string('mask', None, 'Mask PNG for --image (white = fill, black = keep), or a '
                    'folder of masks named as the photos (<stem>.png or <stem>_mask.png).')
flags.DEFINE_bool('overwrite', False, 'Redo photos whose output already exists (else skipped).')
flags.DEFINE_string('reconstruct', None, 'Run the layer-reconstruction experiment instead '
                    'of inpainting: comma-separated GoogLeNet layers (or softmax), one row '
                    'of the grid each.')
flags.DEFINE_integer('seed', 0, 'Seed of the image choice, the masks and z.')
flags.DEFINE_bool('jit_compile', False, 'Compile the loop with XLA.')
flags.DEFINE_string('compute_dtype', 'float32', f'Network compute dtype: '
                    f'{", ".join(engine.COMPUTE_DTYPES)} (losses stay float32).')
flags.DEFINE_integer('nsize', _D.nsize, 'Window side of Yeh\'s context weighting (default: '
                     f'{engine.METHOD_DEFAULTS["semantic"]["nsize"]} for semantic, '
                     f'{engine.METHOD_DEFAULTS["yeh"]["nsize"]} for yeh as published; the seed: '
                     f'{engine.SEED["nsize"]}).')
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
flags.DEFINE_integer('early_stop_patience', _D.early_stop_patience, 'Stop an image after this many '
                     'iterations without progress (0 = run all --iters; default: 100 for semantic, '
                     '0 for yeh).')
cli.define_strategy_flags()
cli.define_gpu_flag()


def config_from_flags() -> runlib.RunConfig:
  """The flags -> one RunConfig (the engine's settings inside it), validated once."""
  return cli.from_flags(runlib.RunConfig, engine=cli.from_flags(engine.Config, validate=False))


def run():
  cli.select_gpu(FLAGS.gpu_index)
  rc = config_from_flags()
  strategy = cli.make_strategy(FLAGS.strategy, FLAGS.cpu_devices)
  cli.writable_dir(rc.out_dir(), 'output_dir')
  if not distribute.is_chief(strategy):
    # Every worker computes its share; only the chief's outputs are kept.
    rc.output_dir = distribute.write_dir(strategy, rc.out_dir())
  if rc.reconstruct:
    runlib.reconstruct_layer(rc)
  elif rc.image:
    photos.inpaint_photos(rc, overwrite=FLAGS.overwrite, strategy=strategy)
  else:
    runlib.inpaint_dataset(rc, strategy=strategy)
  distribute.drop_write_dir(strategy, rc.out_dir())


if __name__ == '__main__':
  cli.start(run)
