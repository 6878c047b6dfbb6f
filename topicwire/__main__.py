import sys

from topicwire.daemon.cli import main

sys.exit(main())
