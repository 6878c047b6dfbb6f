"""Review 2: a render that fails during a SIGHUP reload (disk full: OSError) escapes
Daemon.reload and so Daemon.run's loop: the daemon ends with a traceback and without
shutdown() (no final publish, store not closed, polls cut). The publisher thread
survives the same failure (feeds.failed, retried); flush() also drops the pending
change it took (no re-mark), so nothing would retry it even if the caller survived."""
import sys, tempfile, threading, time
from pathlib import Path
sys.path.insert(0, "tests")
from test_cli import config_text
from topicwire.config import load_config
from topicwire.daemon.service import Daemon
import topicwire.pipeline as pm

tmp = Path(tempfile.mkdtemp())
(tmp / "c.toml").write_text(config_text("http://127.0.0.1:9"))
d = Daemon(load_config(tmp / "c.toml"))
d._install_signals = lambda: None  # run() is in a thread here
real = pm.publish_topics
def full_disk(*a, **k):
    raise OSError(28, "No space left on device")
result = {}
def run():
    try:
        result["rc"] = d.run()
    except BaseException as e:
        result["error"] = repr(e)
t = threading.Thread(target=run); t.start()
time.sleep(2)
pm.publish_topics = full_disk
d.publisher.changed()
d._reload = True; d._wake.set()  # what on_hup does
t.join(10)
print("run() alive:", t.is_alive(), "| result:", result, "| pending change kept:", d.publisher.pending)
if t.is_alive():
    d.request_stop(); t.join(10)
