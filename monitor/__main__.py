"""``python -m monitor`` and the ``monitor`` command: start-up, then the command line."""

import gc


def main() -> None:
    # The command line's imports (the database, HTTP and settings libraries) make
    # hundreds of thousands of objects that live as long as the process: collecting
    # garbage among them while they load finds none, and costs a tenth of start-up.
    gc.disable()
    try:
        from monitor.cli import main as command_line
    finally:
        gc.enable()
    command_line()


if __name__ == "__main__":
    main()
