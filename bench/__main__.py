from bench.cli import main
from bench.run.process_exit import leave

if __name__ == "__main__":
    leave(main())
