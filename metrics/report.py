"""`python -m metrics.report`: writes docs/results.md and docs/training.md from their
templates (docs/*.in.md) and the result files, and the results summary of README.md
(metrics.report_lib). This file only parses flags.
"""

import os

from absl import flags

from inpaint import cli
from metrics import report_lib

FLAGS = flags.FLAGS
flags.DEFINE_list('pages', ['results', 'training'], 'Pages to write: docs/<page>.md from '
                  'docs/<page>.in.md.')
flags.DEFINE_bool('readme', True, 'Also rewrite the results summary of README.md.')


def run():
  for page in FLAGS.pages:
    template = os.path.join('docs', f'{page}.in.md')
    if not os.path.exists(template):
      raise cli.UsageError(f'--pages: no template {template!r} (run from the repository root)')
    with open(template) as f:
      text = report_lib.render(f.read())
    out = os.path.join('docs', f'{page}.md')
    with open(out, 'w') as f:
      f.write(text)
    print(f'wrote {out}')
  if os.path.exists(report_lib.ENCODER_CURVE):
    print(f'wrote {report_lib.encoder_curve_plot()}')
  if FLAGS.readme:
    with open('README.md') as f:
      text = f.read()
    try:
      text = report_lib.with_summary(text)
    except ValueError as e:
      raise cli.UsageError(str(e)) from None
    with open('README.md', 'w') as f:
      f.write(text)
    print('wrote the results summary of README.md')


if __name__ == '__main__':
  cli.start(run)
