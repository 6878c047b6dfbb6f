import sys, threading, http.server, tempfile, os, pathlib
import topicwire; print("using", topicwire.__file__)
from topicwire.daemon.cli import main
feed = b'''<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>http://127.0.0.1/</link>
<item><title>Bad link story</title><link>http://a..b/x</link><guid>1</guid><description>d</description></item></channel></rss>'''
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Type","application/rss+xml"); self.send_header("Content-Length", str(len(feed))); self.end_headers(); self.wfile.write(feed)
    def log_message(self,*a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1",0), H); threading.Thread(target=s.serve_forever, daemon=True).start()
d = pathlib.Path(tempfile.mkdtemp())
(d/"c.toml").write_text(f'''[fetch]
allow_private_addresses = true
[[sources]]
name = "s"
url = "http://127.0.0.1:{s.server_address[1]}/feed.xml"
fulltext = true
[[topics]]
name = "t"
query = "story"
''')
try:
    print("exit", main(["-c", str(d/"c.toml"), "once"]))
except BaseException as e:
    print("CRASH", type(e).__name__, e)
