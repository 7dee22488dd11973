"""`python -m inpaint.app`: the inpainting page on a local port (inpaint.webapp).

Uploads and results go to a temporary folder that is removed when the server stops.
This file only parses flags.
"""

import os
import shutil
import tempfile

from absl import flags

from inpaint import cli
from inpaint import engine
from inpaint import run as runlib

FLAGS = flags.FLAGS
flags.DEFINE_string('host', '127.0.0.1', 'Address to serve on (0.0.0.0: every interface).')
flags.DEFINE_integer('port', 7860, 'Port to serve on.')
flags.DEFINE_string('load_model', None, 'DCGAN folder (default: the shipped checkpoints/dcgan).')
flags.DEFINE_string('classifier_dir', None, 'GoogLeNet folder (default: the shipped one).')
flags.DEFINE_string('encoder_dir', None, 'Encoder folder (default: the shipped one).')


def run():
  cli.require_positive(port=FLAGS.port)
  temp = tempfile.mkdtemp(prefix='inpaint_app_')
  os.environ['GRADIO_TEMP_DIR'] = temp  # Before gradio is imported: its upload folder.
  from inpaint import webapp  # pylint: disable=import-outside-toplevel
  try:
    rc = runlib.RunConfig(engine=engine.Config(), load_model=FLAGS.load_model,
                          classifier_dir=FLAGS.classifier_dir, encoder_dir=FLAGS.encoder_dir)
    page = webapp.build(webapp.Filler(rc))
    print(f'serving on http://{FLAGS.host}:{FLAGS.port}', flush=True)
    page.launch(server_name=FLAGS.host, server_port=FLAGS.port, show_error=False, quiet=True,
                head=webapp.HEAD, max_file_size=webapp.MAX_UPLOAD)
  finally:
    shutil.rmtree(temp, ignore_errors=True)


if __name__ == '__main__':
  cli.start(run)
