"""Stanford Cars input pipeline shared by the DCGAN, GoogLeNet and inpainting.

Four layouts are recognised under one data folder:

* ``cropped``: ``cars_train_cropped/`` + ``devkit/cars_train_annos.mat`` (images
  already cropped to their bounding box; classes looked up by file name);
* ``published``: ``cars_train/`` (+ optional ``cars_test/``) + ``devkit/`` with
  uncropped images, cropped to the devkit bounding box here;
* ``tfds``: a local TFDS data dir holding ``cars196/`` (never downloaded);
* ``folder``: plain ``train/`` and ``val/`` folders of images, like the
  original ``Data/cars/{train,val}``; class sub-folders give labels, otherwise
  every label is -1 (unlabelled).

Every image goes through the same preprocessing: (crop) -> resize to
``img_size`` x ``img_size`` (aspect not kept) -> scale to [-1, 1].
"""

import dataclasses
import os
from typing import List, Optional, Sequence, Tuple

import numpy as np
import tensorflow as tf
from absl import logging
from PIL import Image
from PIL import ImageOps

from masks import generate as mgen

ENV_VAR = 'CARS_DATA_DIR'
DEFAULT_DIR = os.path.join('.', 'data', 'stanford_cars')
SPLITS = ('train', 'val', 'all')
LAYOUTS = ('cropped', 'published', 'tfds', 'folder')
IMAGE_EXTS = ('.jpg', '.jpeg', '.png', '.bmp', '.gif', '.tif', '.tiff', '.webp')
VAL_FRACTION = 0.1
NUM_CLASSES = 196


class DataError(ValueError):
  """No usable data was found; the message says what was looked for."""


@dataclasses.dataclass(frozen=True)
class Record:
  """One image on disk: path, optional crop box (x1, y1, x2, y2) and label."""
  path: str
  label: int = -1
  bbox: Optional[Tuple[int, int, int, int]] = None


def resolve_data_dir(data_dir: Optional[str] = None) -> str:
  """Returns --data_dir, else $CARS_DATA_DIR, else ./data/stanford_cars."""
  if data_dir:
    return data_dir
  return os.environ.get(ENV_VAR) or DEFAULT_DIR


def data_dir_given(data_dir: Optional[str] = None) -> bool:
  """True when the user named a data location (--data_dir or $CARS_DATA_DIR): then a
  missing dataset is an error, never a silent fallback."""
  return bool(data_dir or os.environ.get(ENV_VAR))


def open_rgb(path: str) -> Image.Image:
  """Opens an image as displayed: EXIF orientation applied (phone photos), then RGB."""
  with Image.open(path) as im:
    im = ImageOps.exif_transpose(im)
    return mgen.to_8bit(im).convert('RGB')


def detect_layout(data_dir: str) -> str:
  """Names the layout found in `data_dir` (one of LAYOUTS).

  Raises:
    DataError: when none of the layouts is there.
  """
  def has(*parts):
    return os.path.exists(os.path.join(data_dir, *parts))

  if has('cars_train_cropped') and has('devkit', 'cars_train_annos.mat'):
    return 'cropped'
  if has('cars_train') and has('devkit', 'cars_train_annos.mat'):
    return 'published'
  if has('cars196'):
    return 'tfds'
  if has('train') or has('val'):
    return 'folder'
  raise DataError(
      f'no Stanford Cars data in {data_dir!r}: looked for '
      'cars_train_cropped/ + devkit/cars_train_annos.mat (pre-cropped), '
      'cars_train/ + devkit/ (published), cars196/ (TFDS data dir) or '
      f'train/ and val/ image folders; set --data_dir or ${ENV_VAR}')


def _mat_annotations(path: str) -> List[dict]:
  """Reads a devkit annotations .mat into a list of plain dicts."""
  import scipy.io  # Imported here: only the devkit layouts need it.
  annos = scipy.io.loadmat(path)['annotations'][0]
  fields = annos.dtype.names
  out = []
  for a in annos:
    row = {}
    for f in fields:
      v = a[f]
      row[f] = str(v[0]) if f == 'fname' else int(np.asarray(v).ravel()[0])
    out.append(row)
  return out


def _devkit_records(image_dir: str, annos_path: str, crop: bool) -> List[Record]:
  annos = _mat_annotations(annos_path)
  on_disk = set(os.listdir(image_dir))
  records = []
  for a in annos:
    if a['fname'] not in on_disk:
      continue  # The cropped copy withholds some images; use what is there.
    bbox = ((a['bbox_x1'], a['bbox_y1'], a['bbox_x2'], a['bbox_y2'])
            if crop else None)
    label = a['class'] - 1 if 'class' in a else -1  # devkit ids are 1-based.
    records.append(Record(os.path.join(image_dir, a['fname']), label, bbox))
  return records


def image_files(folder: str) -> List[str]:
  """The image files directly in a folder, sorted."""
  return sorted(os.path.join(folder, f) for f in os.listdir(folder)
                if f.lower().endswith(IMAGE_EXTS))


def _folder_records(folder: str) -> List[Record]:
  """Images of `folder`; class sub-folders (sorted) give labels 0..K-1."""
  if not os.path.isdir(folder):
    return []
  subdirs = sorted(d for d in os.listdir(folder)
                   if os.path.isdir(os.path.join(folder, d)))
  records = [Record(p) for p in image_files(folder)]
  for label, d in enumerate(subdirs):
    records += [Record(p, label) for p in image_files(os.path.join(folder, d))]
  return records


def split_indices(labels: Sequence[int], split: str, seed: int = 0,
                  val_fraction: float = VAL_FRACTION) -> np.ndarray:
  """Deterministic per-class train/val split.

  Args:
    labels: [N] int labels (-1 = unlabelled, treated as one class).
    split: 'train', 'val' or 'all'.
    seed: seeds the per-class shuffle.
    val_fraction: share of each class kept for val (at least one image of any
      class with two or more images).

  Returns:
    Sorted int indices into `labels`.
  """
  if split not in SPLITS:
    raise ValueError(f'unknown split {split!r}; choose one of {SPLITS}')
  labels = np.asarray(labels)
  if split == 'all':
    return np.arange(len(labels))
  rng = np.random.default_rng(seed)
  val = []
  for c in np.unique(labels):
    idx = np.flatnonzero(labels == c)
    n_val = int(round(val_fraction * len(idx)))
    if len(idx) >= 2:
      n_val = max(1, n_val)
    val.extend(rng.permutation(idx)[:n_val].tolist())
  is_val = np.zeros(len(labels), bool)
  is_val[val] = True
  return np.flatnonzero(is_val if split == 'val' else ~is_val)


EVAL_SUBSETS = ('tune', 'report')
_SUBSET_SEED = 7919  # Fixed: the tune/report halves never move with --seed.


def subset_indices(n: int, subset: Optional[str]) -> np.ndarray:
  """Indices of one of two disjoint, seeded halves of n images (None: all, in order).

  'tune' is for choosing settings (sweeps), 'report' for the numbers reported
  (comparisons), so a reported number never comes from an image it was tuned on.
  """
  if subset is None:
    return np.arange(n)
  if subset not in EVAL_SUBSETS:
    raise ValueError(f'unknown subset {subset!r}; choose one of {", ".join(EVAL_SUBSETS)}')
  perm = np.random.default_rng(_SUBSET_SEED).permutation(n)
  tune, report = perm[:n // 2], perm[n // 2:]
  assert not set(tune.tolist()) & set(report.tolist())  # Disjoint by construction; kept so.
  return tune if subset == 'tune' else report


def list_records(data_dir: str, split: str = 'train', seed: int = 0) -> List[Record]:
  """Lists the images of one split of a file-based layout.

  Raises:
    DataError: when nothing usable is found.
  """
  layout = detect_layout(data_dir)
  if layout == 'tfds':
    raise DataError('the TFDS layout has no files; use load_arrays()')
  if layout == 'folder':
    parts = {'train': ['train'], 'val': ['val'], 'all': ['train', 'val']}[split]
    records = sum((_folder_records(os.path.join(data_dir, p)) for p in parts), [])
  else:
    devkit = os.path.join(data_dir, 'devkit')
    if layout == 'cropped':
      records = _devkit_records(os.path.join(data_dir, 'cars_train_cropped'),
                                os.path.join(devkit, 'cars_train_annos.mat'), False)
    else:
      records = _devkit_records(os.path.join(data_dir, 'cars_train'),
                                os.path.join(devkit, 'cars_train_annos.mat'), True)
      # The test set's classes are only in the later-published labelled file.
      test_annos = os.path.join(devkit, 'cars_test_annos_withlabels.mat')
      if os.path.isdir(os.path.join(data_dir, 'cars_test')) and os.path.exists(test_annos):
        records += _devkit_records(os.path.join(data_dir, 'cars_test'), test_annos, True)
    keep = split_indices([r.label for r in records], split, seed)
    records = [records[i] for i in keep]
  if not records:
    raise DataError(f'no images for split {split!r} in {data_dir!r} ({layout} layout)')
  return records


def load_image(path: str, img_size: int,
               bbox: Optional[Tuple[int, int, int, int]] = None) -> Optional[np.ndarray]:
  """Decodes one image file to uint8 [img_size, img_size, 3] (RGB).

  Grayscale, palette, CMYK and alpha images become RGB. Returns None (after a
  warning naming the file) when the file cannot be read.
  """
  try:
    if bbox is None:
      im = open_rgb(path)
    else:  # Devkit boxes are in the stored pixel grid: no EXIF rotation before the crop.
      with Image.open(path) as raw:
        im = raw.convert('RGB')
      x1, y1, x2, y2 = bbox
      # Devkit boxes are inclusive pixel coordinates; clamp to the image.
      im = im.crop((max(0, x1), max(0, y1), min(im.width, x2 + 1), min(im.height, y2 + 1)))
    return np.asarray(im.resize((img_size, img_size), Image.BICUBIC), np.uint8)
  except Exception as e:  # pylint: disable=broad-except
    logging.warning('skipping unreadable image %s (%s)', path, e)
    return None


def decoded_dataset(records: Sequence[Record], img_size: int) -> tf.data.Dataset:
  """Decodes records in parallel into a cached dataset.

  Returns:
    tf.data.Dataset of (uint8 [img_size, img_size, 3], int32 label); unreadable
    files are dropped with a warning.
  """
  paths = [r.path for r in records]
  labels = np.array([r.label for r in records], np.int32)
  boxes = np.array([r.bbox if r.bbox else (-1, -1, -1, -1) for r in records], np.int32)

  def decode(path, box):
    box = tuple(int(b) for b in box)
    img = load_image(path.decode(), img_size, None if box[0] < 0 else box)
    if img is None:
      return np.zeros((img_size, img_size, 3), np.uint8), False
    return img, True

  def tf_decode(path, box, label):
    img, ok = tf.numpy_function(decode, [path, box], [tf.uint8, tf.bool])
    img.set_shape([img_size, img_size, 3])
    ok.set_shape([])
    return img, label, ok

  ds = tf.data.Dataset.from_tensor_slices((paths, boxes, labels))
  ds = ds.map(tf_decode, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
  ds = ds.filter(_is_ok).map(_drop_ok)
  return ds.cache()


def _is_ok(img, label, ok):
  del img, label
  return ok


def _drop_ok(img, label, ok):
  del ok
  return img, label


def _tfds_arrays(data_dir: str, split: str, img_size: int, seed: int):
  import tensorflow_datasets as tfds  # Heavy import; only this layout needs it.
  try:
    ds = tfds.load('cars196', split='train+test', data_dir=data_dir, download=False)
  except Exception as e:  # pylint: disable=broad-except
    raise DataError(f'cannot read TFDS cars196 from {data_dir!r} (never downloaded): {e}') from e
  images, labels = [], []
  for ex in tfds.as_numpy(ds):
    img = Image.fromarray(ex['image']).convert('RGB')
    ymin, xmin, ymax, xmax = ex['bbox']  # Normalized to [0, 1].
    w, h = img.size
    img = img.crop((int(xmin * w), int(ymin * h), max(int(xmin * w) + 1, int(round(xmax * w))),
                    max(int(ymin * h) + 1, int(round(ymax * h)))))
    images.append(np.asarray(img.resize((img_size, img_size), Image.BICUBIC), np.uint8))
    labels.append(int(ex['label']))
  if not images:
    raise DataError(f'TFDS cars196 in {data_dir!r} holds no images')
  keep = split_indices(labels, split, seed)
  return np.stack(images)[keep], np.array(labels, np.int32)[keep]


def load_arrays(data_dir: Optional[str] = None, split: str = 'train',
                img_size: int = 64, seed: int = 0, limit: Optional[int] = None):
  """Loads one split into memory.

  Args:
    data_dir: data folder (None: $CARS_DATA_DIR, then ./data/stanford_cars).
    split: 'train', 'val' or 'all'.
    img_size: output side in pixels.
    seed: seeds the train/val split.
    limit: decode at most this many images (in listing order).

  Returns:
    (images uint8 [N, img_size, img_size, 3], labels int32 [N]).

  Raises:
    DataError: when no usable images are found.
  """
  data_dir = resolve_data_dir(data_dir)
  if not os.path.isdir(data_dir):
    raise DataError(f'data folder {data_dir!r} does not exist; set --data_dir or ${ENV_VAR}')
  if detect_layout(data_dir) == 'tfds':
    images, labels = _tfds_arrays(data_dir, split, img_size, seed)
    return images[:limit], labels[:limit]
  records = list_records(data_dir, split, seed)[:limit]
  images, labels = [], []
  for img, label in decoded_dataset(records, img_size).as_numpy_iterator():
    images.append(img)
    labels.append(label)
  if not images:
    raise DataError(f'none of the {len(records)} images in {data_dir!r} could be read')
  return np.stack(images), np.array(labels, np.int32)


def to_float(images: tf.Tensor) -> tf.Tensor:
  """uint8 [0, 255] -> float32 [-1, 1] (the scaling both networks use)."""
  return tf.cast(images, tf.float32) / 127.5 - 1.0


def to_uint8(images) -> np.ndarray:
  """float [-1, 1] -> uint8 [0, 255]."""
  return np.clip(np.round((np.asarray(images) + 1.0) * 127.5), 0, 255).astype(np.uint8)


def augment(images: tf.Tensor, strong: bool = False) -> tf.Tensor:
  """Random horizontal flip; with `strong`, also random crop/scale and colour jitter.

  Args:
    images: float32 [B, S, S, 3] in [-1, 1].
    strong: add random resized crop (70..100% of the side) and colour jitter.

  Returns:
    float32 [B, S, S, 3] in [-1, 1].
  """
  images = tf.image.random_flip_left_right(images)
  if strong:
    size = tf.shape(images)[1]
    b = tf.shape(images)[0]
    scale = tf.random.uniform([b, 1], 0.7, 1.0)
    off = tf.random.uniform([b, 2], 0.0, 1.0) * (1.0 - scale)
    boxes = tf.concat([off, off + scale], axis=1)  # y1, x1, y2, x2 (square).
    images = tf.image.crop_and_resize(images, boxes, tf.range(b), tf.stack([size, size]))
    images = images * tf.random.uniform([b, 1, 1, 1], 0.8, 1.2)  # contrast
    images = images + tf.random.uniform([b, 1, 1, 1], -0.15, 0.15)  # brightness
    images = tf.clip_by_value(images, -1.0, 1.0)
  return images


def train_dataset(images: np.ndarray, labels: np.ndarray, batch_size: int,
                  seed: int = 0, strong: bool = False,
                  drop_remainder: bool = True) -> tf.data.Dataset:
  """An endless shuffled, augmented, batched pipeline over in-memory images.

  Returns:
    tf.data.Dataset of (float32 [batch_size, S, S, 3] in [-1, 1], int32 [batch_size]).
  """
  ds = tf.data.Dataset.from_tensor_slices((images, labels)).cache()
  ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True).repeat()
  ds = ds.batch(batch_size, drop_remainder=drop_remainder)
  ds = ds.map(lambda x, y: (augment(to_float(x), strong), y),
              num_parallel_calls=tf.data.AUTOTUNE)
  return ds.prefetch(tf.data.AUTOTUNE)
