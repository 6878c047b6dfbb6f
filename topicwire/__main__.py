from topicwire.daemon.cli import console

console()
