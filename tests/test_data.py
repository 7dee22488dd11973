"""Input pipeline: every layout on generated fixtures, splits, preprocessing."""

import os

import numpy as np
import pytest

from inpaint import data
from tests.conftest import write_devkit, write_image


def test_cropped_layout_skips_corrupt_and_converts_modes(cropped_dir, caplog):
  assert data.detect_layout(cropped_dir) == 'cropped'
  records = data.list_records(cropped_dir, 'all')
  # 33 on disk and annotated (00099.jpg is annotated but withheld).
  assert len(records) == 33
  images, labels = data.load_arrays(cropped_dir, 'all', 32)
  assert any('00033.jpg' in r.getMessage() for r in caplog.records)  # Named, not fatal.
  assert images.shape == (32, 32, 32, 3) and images.dtype == np.uint8
  assert set(labels.tolist()) == {0, 1, 2}  # 1-based devkit ids -> 0-based.
  gray = data.load_image(os.path.join(cropped_dir, 'cars_train_cropped', '00031.jpg'), 16)
  assert gray.shape == (16, 16, 3)
  assert np.array_equal(gray[..., 0], gray[..., 1])  # Grayscale became 3 equal channels.
  cmyk = data.load_image(os.path.join(cropped_dir, 'cars_train_cropped', '00032.jpg'), 16)
  assert cmyk.shape == (16, 16, 3)


def test_split_is_deterministic_disjoint_and_per_class():
  labels = np.repeat(np.arange(5), 20)
  train = data.split_indices(labels, 'train', seed=3)
  val = data.split_indices(labels, 'val', seed=3)
  assert not set(train) & set(val)
  assert len(train) + len(val) == 100
  assert np.bincount(labels[val]).tolist() == [2] * 5  # 10% of each class.
  assert np.array_equal(val, data.split_indices(labels, 'val', seed=3))
  assert not np.array_equal(val, data.split_indices(labels, 'val', seed=4))
  assert len(data.split_indices(labels, 'all')) == 100
  with pytest.raises(ValueError, match='split'):
    data.split_indices(labels, 'test')


def test_published_layout_crops_to_bbox(tmp_path):
  root = tmp_path / 'pub'
  # A 100x80 image: red box at x 20..59, y 10..49 on a blue background.
  arr = np.zeros((80, 100, 3), np.uint8)
  arr[..., 2] = 255
  arr[10:50, 20:60] = (255, 0, 0)
  from PIL import Image
  os.makedirs(root / 'cars_train')
  Image.fromarray(arr).save(root / 'cars_train' / '00001.png')
  write_devkit(str(root / 'devkit'), [{'fname': '00001.png', 'class': 2, 'bbox': (20, 10, 59, 49)}])
  assert data.detect_layout(str(root)) == 'published'
  images, labels = data.load_arrays(str(root), 'all', 16)
  assert labels.tolist() == [1]
  # Cropped to the box: all red, no blue left.
  assert images[0, ..., 0].min() > 200 and images[0, ..., 2].max() < 60


def test_folder_layout_with_and_without_classes(tmp_path):
  root = tmp_path / 'plain'
  for i in range(3):
    write_image(str(root / 'train' / f'a{i}.jpg'), seed=i)
  write_image(str(root / 'val' / 'x' / 'b.jpg'))
  write_image(str(root / 'val' / 'y' / 'c.png'))
  assert data.detect_layout(str(root)) == 'folder'
  _, train_labels = data.load_arrays(str(root), 'train', 8)
  assert train_labels.tolist() == [-1, -1, -1]  # Unlabelled.
  _, val_labels = data.load_arrays(str(root), 'val', 8)
  assert val_labels.tolist() == [0, 1]
  assert len(data.load_arrays(str(root), 'all', 8)[0]) == 5


def test_tfds_layout_reads_local_data_and_crops(tmp_path):
  tfds = pytest.importorskip('tensorflow_datasets')
  root = tmp_path / 'tfds'
  os.makedirs(root / 'cars196')
  with tfds.testing.mock_data(num_examples=12):
    assert data.detect_layout(str(root)) == 'tfds'
    images, labels = data.load_arrays(str(root), 'all', 16)
  assert images.shape == (12, 16, 16, 3)
  assert labels.min() >= 0 and labels.max() < 196


def test_missing_data_is_a_clear_error(tmp_path, monkeypatch):
  monkeypatch.delenv(data.ENV_VAR, raising=False)
  with pytest.raises(data.DataError, match='looked for'):
    data.detect_layout(str(tmp_path))
  with pytest.raises(data.DataError, match='does not exist'):
    data.load_arrays(str(tmp_path / 'nope'))


def test_data_dir_resolution(monkeypatch):
  monkeypatch.setenv(data.ENV_VAR, '/from/env')
  assert data.resolve_data_dir('given') == 'given'
  assert data.resolve_data_dir(None) == '/from/env'
  monkeypatch.delenv(data.ENV_VAR)
  assert data.resolve_data_dir(None) == data.DEFAULT_DIR


def test_scaling_and_augmentation_ranges():
  x = np.array([[[[0, 255, 128]]]], np.uint8)
  f = data.to_float(x).numpy()
  assert f.min() == -1.0 and f.max() == 1.0
  assert np.array_equal(data.to_uint8(f), x)
  imgs = np.random.default_rng(0).integers(0, 256, (8, 16, 16, 3), dtype=np.uint8)
  ds = data.train_dataset(imgs, np.zeros(8, np.int32), 4, strong=True)
  batch, labels = next(iter(ds))
  assert batch.shape == (4, 16, 16, 3) and labels.shape == (4,)
  assert float(batch.numpy().min()) >= -1.0 and float(batch.numpy().max()) <= 1.0


@pytest.mark.skipif(not os.environ.get(data.ENV_VAR), reason='needs $CARS_DATA_DIR')
def test_real_data_smoke():
  images, labels = data.load_arrays(None, 'val', 64, limit=64)
  assert images.shape == (64, 64, 64, 3)
  assert labels.min() >= 0 and labels.max() < 196
  assert images.std() > 20  # Real photos, not blank frames.
