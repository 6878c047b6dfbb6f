"""Review 2: growth of extract_statements' time on hostile shapes (n and 2n)."""
import sys, time
from topicwire.statements.extract import extract_statements

SHAPES = {
    "according-many": lambda n: "According to Peskov, " * n + "x.",
    "caps-commas": lambda n: "Dmitry Peskov Kremlin Spokesman, " * n + "said.",
    "said-no-period": lambda n: "Peskov said that the " * n,
    "ru-po-slovam": lambda n: "по словам Пескова, " * n + "x.",
    "quote-said-alt": lambda n: '«x», — заявил Песков ' * n,
    "lower-words": lambda n: ("a " * 5 + "Peskov Dmitry ") * n + "said",
    "colon-quotes": lambda n: 'Peskov said: "' * n,
    "intro-comma": lambda n: "On Tuesday, " * n + "Peskov said that x.",
    "apos": lambda n: "Peskov’s Kremlin’s " * n + "said x.",
    "caps-only": lambda n: "Aaaa " * n + "said that x.",
    "paren": lambda n: "Association (UCEA) " * n + "said that x.",
    "quote-open-close": lambda n: '“' * n + '”' * n,
    "and-added": lambda n: "and added, " * n,
    "dash-said": lambda n: "— said Peskov, " * n,
}
for name, make in SHAPES.items():
    if len(sys.argv) > 1 and name not in sys.argv[1:]:
        continue
    times = []
    for n in (2000, 4000):
        text = make(n)
        t = time.monotonic(); found = extract_statements(text); times.append(time.monotonic() - t)
    print(f"{name:18} len={len(text):7} t(n)={times[0]:.2f}s t(2n)={times[1]:.2f}s ratio={times[1]/max(times[0],1e-3):.1f} found={len(found)}", flush=True)
