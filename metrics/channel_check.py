"""`python -m metrics.channel_check`: is a copy of Stanford Cars stored with red and blue swapped?

Red is one of the commonest car colours and a pure violet-blue body is rare, so the
dominant colours of the car bodies tell the channel order: a copy whose coloured cars
are mostly violet-blue and almost never red was written with its channels swapped
(then train with --channel_order=bgr, see README). With the devkit's class names it
also counts by make (Ferraris are mostly red, Lamborghinis yellow, orange or green).
"""

from absl import flags

from inpaint import cli
from inpaint import data
from metrics import colours

FLAGS = flags.FLAGS
flags.DEFINE_string('data_dir', None, 'Stanford Cars folder (default $CARS_DATA_DIR).')
flags.DEFINE_string('split', 'all', 'train | val | all.')
flags.DEFINE_list('makes', ['Ferrari', 'Lamborghini'], 'Class-name parts counted on their own '
                  '(needs devkit/cars_meta.mat).')


def run():
  cli.require_choice('split', FLAGS.split, data.SPLITS)
  images, labels = data.load_arrays(FLAGS.data_dir, FLAGS.split)
  for line in colours.report(images, labels, data.class_names(FLAGS.data_dir), FLAGS.makes):
    print(line)


if __name__ == '__main__':
  cli.start(run)
