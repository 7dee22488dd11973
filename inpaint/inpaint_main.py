"""`python -m inpaint.inpaint_main`: semantic image inpainting with the trained models.

Flags keep the 2018 project's names; their defaults come from the configs and the
methods' registry (engine.methods). This file only builds a RunConfig and calls the jobs.
"""

from absl import flags

from inpaint import cli
from inpaint import distribute
from inpaint import engine
from inpaint import photos
from inpaint import run as runlib
from inpaint.engine import methods
from masks import generate as mgen

FLAGS = flags.FLAGS
# Flag defaults come from the configs (one place for every default); a setting whose
# default depends on the method is None here and resolved by engine.methods.
_E = engine.Config()
_R = runlib.RunConfig()


def _per_method(field: str) -> str:
  """The methods' own defaults of an engine setting, for its help."""
  return ', '.join(f'{m.name} {m.defaults[field]}' for m in methods.METHODS.values()
                   if field in m.defaults)


flags.DEFINE_string('dataset', _R.dataset, 'Dataset name; outputs go to '
                    '<dataset>/inpaint/<mask_type>/.')
flags.DEFINE_string('classifier', _R.classifier, 'Classifier of the semantic losses (googlenet).')
flags.DEFINE_string('method', _E.method, 'The fill method: ' + '; '.join(
    f'{m.name}: {m.summary}' for m in methods.METHODS.values()) + '.')
flags.DEFINE_float('learning_rate', _E.learning_rate, 'Learning rate of the latent optimization '
                   f'(default per method: {_per_method("learning_rate")}).')
flags.DEFINE_float('momentum', _E.momentum, 'Nesterov momentum.')
flags.DEFINE_integer('z_dim', _R.z_dim, 'Latent size (must match the DCGAN checkpoint).')
flags.DEFINE_bool('is_blend', _R.is_blend, 'Poisson-blend the fill into the image.')
for _t in engine.TERMS:
  if _t.weight:  # One flag per loss term, named by its weight field.
    flags.DEFINE_float(_t.weight, getattr(_E, _t.weight), _t.help + (
        f' Default per method: {_per_method(_t.weight)}.' if _t.weight in methods.PER_METHOD
        else '') + f' The 2018 project: {_t.original:g}.')
flags.DEFINE_string('layer', _E.layer, 'First GoogLeNet layer of the semantic loss.')
flags.DEFINE_string('layer_2', _E.layer_2, 'Second GoogLeNet layer of the semantic loss.')
flags.DEFINE_string('mask_type', _R.mask_type, f'One of {", ".join(mgen.MASK_TYPES)}.')
flags.DEFINE_float('random_missing', _R.random_missing, 'Share of pixels the random mask '
                   'drops (the 2018 project: 0.7; Yeh et al.: 0.8).')
flags.DEFINE_integer('img_size', _R.img_size, 'Image side in pixels (must match the DCGAN '
                     'checkpoint).')
flags.DEFINE_integer('iters', _E.iters, 'Iterations per restart (default: the method\'s '
                     f'budget of restarts x iterations, {_per_method("budget")}, over --restarts).')
flags.DEFINE_integer('num_try', _R.num_try, 'Number of batches to inpaint.')
flags.DEFINE_integer('print_freq', _E.print_freq, 'Print the losses every this many iterations.')
flags.DEFINE_integer('sample_batch', _R.sample_batch, 'Images (or own photos) filled together '
                     'per batch.')
flags.DEFINE_string('load_model', _R.load_model, 'DCGAN run or export folder (default: the '
                    'shipped checkpoints/dcgan).')
flags.DEFINE_string('encoder_dir', _R.encoder_dir, 'Encoder export or run folder (default: the '
                    'shipped checkpoints/encoder); it must have been trained for the DCGAN.')
flags.DEFINE_integer('n_class', _R.n_class, 'Number of classes of the classifier (must match '
                     'the GoogLeNet checkpoint).')
flags.DEFINE_string('data_dir', _R.data_dir, 'Stanford Cars folder (default $CARS_DATA_DIR, '
                    'then ./data/stanford_cars).')
flags.DEFINE_string('split', _R.split, 'Which images to inpaint: train | val | all.')
flags.DEFINE_enum('source', _R.source, ['auto', 'generated'], 'auto: the dataset when found, '
                  'else cars drawn from the generator; generated: always those.')
flags.DEFINE_string('output_dir', _R.output_dir, 'Output folder (default '
                    '<dataset>/inpaint/<mask_type>/).')
flags.DEFINE_string('optimizer', _E.optimizer, f'One of {", ".join(engine.OPTIMIZERS)}.')
flags.DEFINE_integer('restarts', _E.restarts, 'Latent codes optimized per image, all in one '
                     f'batch (default per method: {_per_method("restarts")}).')
flags.DEFINE_string('start', _E.start, f'Where the search starts: {", ".join(engine.STARTS)} '
                    '(random codes, or the encoder\'s code of each image with the other '
                    f'restarts perturbed around it); default per method: {_per_method("start")}.')
flags.DEFINE_float('start_noise', _E.start_noise, 'Std of the perturbation of a learned '
                   'start\'s restarts 2.. (restart 1 starts at the encoder\'s code).')
flags.DEFINE_string('fill', _E.fill, f'How the restarts make the fill: {", ".join(engine.FILLS)} '
                    '(best: the lowest-loss restart; mean: per pixel over the --fill_k lowest-loss '
                    'restarts). With several restarts a spread map is written.')
flags.DEFINE_integer('fill_k', _E.fill_k, 'Restarts a mean fill uses, lowest loss first (0 = all).')
flags.DEFINE_string('classifier_dir', _R.classifier_dir, 'GoogLeNet run or export folder '
                    '(default: the shipped checkpoints/googlenet).')
flags.DEFINE_string('image', _R.image, 'Own photo (file or folder) to inpaint; needs --mask.')
flags.DEFINE_string('mask', _R.mask, 'Mask PNG for --image (white = fill, black = keep), or a '
                    'folder of masks named as the photos (<stem>.png or <stem>_mask.png).')
flags.DEFINE_bool('detail', _R.detail, 'Own photos: complete the hole at the photo\'s own '
                  'resolution from its own patches, guided by the 64x64 fill (--nodetail: '
                  'paste back the upsampled 64x64 fill).')
flags.DEFINE_bool('overwrite', False, 'Redo photos whose output already exists (else skipped).')
flags.DEFINE_string('reconstruct', _R.reconstruct, 'Run the layer-reconstruction experiment '
                    'instead of inpainting: comma-separated GoogLeNet layers (or softmax), one '
                    'row of the grid each.')
flags.DEFINE_integer('seed', _R.seed, 'Random seed of the image choice, the masks and z.')
flags.DEFINE_bool('jit_compile', _E.jit_compile, 'Compile the loop with XLA.')
flags.DEFINE_string('compute_dtype', _E.compute_dtype, f'Network compute dtype: '
                    f'{", ".join(engine.COMPUTE_DTYPES)} (losses stay float32).')
flags.DEFINE_integer('nsize', _E.nsize, 'Window side of Yeh\'s context weighting (default per '
                     f'method: {_per_method("nsize")}; the 2018 project: '
                     f'{engine.ORIGINAL["nsize"]}).')
flags.DEFINE_bool('use_weighted_mask', _E.use_weighted_mask, 'Weight known pixels by the missing '
                  'pixels around them (Yeh); false: plain L1 on every known pixel.')
flags.DEFINE_string('z_init', _E.z_init, f'Random initial z: {", ".join(engine.Z_INITS)} (normal '
                    '= the 2018 project\'s np.random.randn, clipped to [-1, 1]).')
flags.DEFINE_string('semantic_input', _E.semantic_input, 'What the semantic term compares: '
                    'composite (the 2018 project: features of G(z) vs of the composite) | masked '
                    '(features of the known pixels of G(z) vs of the image).')
flags.DEFINE_float('sem_known_frac', _E.sem_known_frac, 'Keep only feature positions whose share '
                   'of known pixels is at least this (0 = all, the 2018 project).')
flags.DEFINE_float('early_stop_tol', _E.early_stop_tol, 'Relative loss improvement that counts '
                   'as progress.')
flags.DEFINE_integer('early_stop_patience', _E.early_stop_patience, 'Stop an image after this '
                     'many iterations without progress (0 = run all --iters; default per '
                     f'method: {_per_method("early_stop_patience")}).')
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
  given = [f for f in ('layer', 'layer_2') if FLAGS[f].present]
  note = runlib.unused_layers_note(rc.engine, given)
  if note:
    print(note, flush=True)
  if rc.reconstruct:
    runlib.reconstruct_layer(rc)
  elif rc.image:
    photos.inpaint_photos(rc, overwrite=FLAGS.overwrite, strategy=strategy)
  else:
    runlib.inpaint_dataset(rc, strategy=strategy)
  distribute.drop_write_dir(strategy, rc.out_dir())


if __name__ == '__main__':
  cli.start(run)
