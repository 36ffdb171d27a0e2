"""The helper process of a large import, started by the importer, never by a person.

``python -m carerdesk.export.helper`` reads a pickled ``LargeCsv`` and day on standard input,
reads that CSV file, checks each row by its own fields, and writes the result, pickled, on
standard output: ``("checked", rows)``, or ``("refused", message)`` for a file that cannot be
read as CSV. Both ends are this package, on this machine, talking through a pipe.
"""

from __future__ import annotations

import pickle
import sys

from carerdesk.export.encodings import EncodingRefused
from carerdesk.export.importer import ImportRefused, check_file


def main() -> None:
    large, today = pickle.load(sys.stdin.buffer)
    try:
        answer: tuple[str, object] = ("checked", check_file(large, today))
    except (ImportRefused, EncodingRefused) as refused:
        answer = ("refused", refused.message)
    pickle.dump(answer, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
