"""`python -m metrics.page_speed`: how long a user waits on the page, in a real browser.

Starts the page (python -m inpaint.app, the shipped models), drives it in headless
Chromium with a synthetic photo of --width x --height and prints the seconds to each bad
input's message, for a large photo to be sent and from Fill to a result; writes them to
--json. The browser and the server share this machine's cores. This file only parses flags.
"""

from absl import flags

from inpaint import cli
from metrics import benchmark_lib
from metrics import page_lib
from metrics import tables

FLAGS = flags.FLAGS
flags.DEFINE_integer('width', 5000, 'Photo width, pixels.')
flags.DEFINE_integer('height', 4000, 'Photo height, pixels.')
flags.DEFINE_string('json', 'metrics/results/page_speed.json', 'Where the JSON goes.')


def run():
  cli.require_positive(width=FLAGS.width, height=FLAGS.height)
  if page_lib.CHROMIUM is None:
    raise cli.UsageError('no chromium on the PATH (apt-get install -y chromium)')
  got = page_lib.measure(FLAGS.width, FLAGS.height, log=lambda line: print(line, flush=True))
  got['cpu_flags'] = benchmark_lib.cpu_flags()
  tables.write_json(got, FLAGS.json)


if __name__ == '__main__':
  cli.start(run)
