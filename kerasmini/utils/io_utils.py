"""Where kerasmini's messages go (progress bars, summaries, callbacks' notes), as
keras.utils' io_utils: standard output while interactive logging is on (the default);
when a script turns it off (`keras.config.disable_interactive_logging()`, for a training
job on a server), Python's `logging`, logger "kerasmini", level INFO, as Keras sends
them to absl's logging."""
import logging
import sys

from kerasmini.config import (disable_interactive_logging,  # noqa: F401 (keras.utils')
                              enable_interactive_logging, is_interactive_logging_enabled)

logger = logging.getLogger("kerasmini")


def print_msg(message, line_break=True):
    """`message` on standard output, or to the logger when interactive logging is off."""
    message = str(message)
    if is_interactive_logging_enabled():
        sys.stdout.write(f"{message}\n" if line_break else message)
        sys.stdout.flush()
    else:
        logger.info(message)
