"""Noctua's Python worker: one per Athena session, the session's persistent Python namespace.

Speaks JSON lines with the server (the contract is docs/python-worker.md): the server writes one
{"type": "execute", ...} request per line on stdin and reads one {"type": "done", ...} answer per
line on stdout. Only the standard library is used. The process's own stdin and stdout are kept for
the protocol; the code a calculation runs sees an empty stdin, and what it prints is captured.
The worker leads a process group of its own, and when it ends, everything its cells started ends
with it.
"""
import ast
import io
import json
import os
import signal
import sys
import threading
import time
import traceback

SOURCE_NAME = "<stdin>"  # Athena compiles calculations as <stdin>; tracebacks name it so
# the server says what this Python lacks for 'spark' (and how to add it); a plain default otherwise
SPARK_HINT = os.environ.get("NOCTUA_SPARK_HINT") or (
    " (Noctua binds 'spark' and 'sc' to the session's SparkSession when this Python can import"
    " pyspark 3.5: pip install 'pyspark==3.5.*')")
TABLE_ROWS = 100  # what %table shows unless told otherwise, and what a %%sql table holds
MAX_OUTPUT_BYTES = 8 * 1024 * 1024
MAX_CELL_OUTPUT_BYTES = 32 * 1024 * 1024


def open_protocol():
    """Keeps fds 0 and 1 for the protocol and points them, for everything else, at /dev/null."""
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8", newline="\n")
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8", newline="\n")
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    sys.stdin = io.StringIO("")
    return requests, answers


def send(answers, message):
    answers.write(json.dumps(message) + "\n")
    answers.flush()


class Interrupts:
    """SIGINT (a stop) raises KeyboardInterrupt in the cell, but waits while the worker itself talks to
    Spark (binding spark, setting the job group): a Py4J call cut in half would break the connection."""

    def __init__(self):
        self.deferring = 0
        self.pending = False

    def handle(self, signum, frame):
        if self.deferring:
            self.pending = True
        else:
            raise KeyboardInterrupt

    def defer(self):
        interrupts = self

        class Deferred:
            def __enter__(self):
                interrupts.deferring += 1

            def __exit__(self, *exc):
                interrupts.deferring -= 1
                return False

        return Deferred()

    def take_pending(self):
        pending, self.pending = self.pending, False
        return pending


INTERRUPTS = Interrupts()


class Spark:
    """The session's SparkSession in this Python, through PySpark and Spark's Py4J gateway."""

    def __init__(self):
        self.available = None  # unknown until pyspark is imported (or fails to be)
        self.session = None
        self.context = None
        self.jvm_session = None  # the JVM SparkSession class, looked up once: Py4J reflects on every lookup
        self.pool = None  # the session's FAIR scheduler pool: named after the session (FairPools.java)

    def import_pyspark(self):
        """Imported once, right after start, so that the first cell does not pay for it (about 0.5 s)."""
        if self.available is None:
            try:
                import pyspark.sql  # noqa: F401
                self.available = True
            except Exception:
                self.available = False
        return self.available

    def bind(self, binding, namespace):
        """Binds spark and sc the first time a cell runs, if pyspark can be imported."""
        if self.session is not None or not binding or not self.import_pyspark():
            return
        os.environ["PYSPARK_GATEWAY_PORT"] = str(binding["port"])
        os.environ["PYSPARK_GATEWAY_SECRET"] = binding["secret"]
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        from pyspark import SparkConf, SparkContext
        from pyspark.java_gateway import launch_gateway
        from pyspark.sql import SparkSession
        gateway = launch_gateway()
        jvm = gateway.jvm
        jsc = jvm.org.apache.spark.api.java.JavaSparkContext.fromSparkContext(jvm.org.apache.spark.SparkContext.getOrCreate())
        # Python UDFs run in the executors' Python: spark.pyspark.python when set (on a cluster, the workers'
        # own interpreter, which needs pyspark and the cell's libraries), else this one
        executors_python = jsc.getConf().get("spark.pyspark.python", "")
        if executors_python:
            os.environ["PYSPARK_PYTHON"] = executors_python
        context = SparkContext(gateway=gateway, jsc=jsc, conf=SparkConf(_jvm=jvm, _jconf=jsc.getConf()))
        # Python UDFs run in workers the JVM starts: they need this Python's path to find pyspark
        context.environment["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        session = SparkSession(context, jsparkSession=jvm.io.noctua.engine.python.PySparkSessions.get(binding["sessionId"]))
        self.context, self.session = context, session
        self.pool = binding["sessionId"]
        self.jvm_session = jvm.org.apache.spark.sql.SparkSession
        namespace["spark"], namespace["sc"] = session, context

    def begin(self, calculation_id):
        """Spark jobs the cell starts belong to the calculation's job group: that is how the server
        follows their progress and cancels them. They go to the session's FAIR pool, as its %%sql cells' do:
        local properties belong to the JVM thread that runs them, here the Py4J thread pinned to this one."""
        if self.context is not None:
            self.context.setJobGroup(calculation_id, "Athena calculation " + calculation_id + " of session " + self.pool, True)
            self.context.setLocalProperty("spark.scheduler.pool", self.pool)
            self.jvm_session.setActiveSession(self.session._jsparkSession)

    def end(self):
        if self.context is not None:
            self.context.setLocalProperty("spark.jobGroup.id", None)
            self.context.setLocalProperty("spark.scheduler.pool", None)


SPARK = Spark()


class UsageError(Exception):
    """A magic used wrongly, or one Noctua does not have."""


class Outputs:
    """The running cell's rich outputs, in order, as nbformat 4 outputs (docs/calculation-results.md)."""

    def __init__(self):
        self.items = []
        self.size = 0

    def reset(self):
        self.items, self.size = [], 0

    def add(self, output_type, bundle):
        """Adds one output; returns the bundle kept, which is a short text one when the output is too large."""
        size = len(json.dumps(bundle))
        if size > MAX_OUTPUT_BYTES:
            bundle = {"text/plain": "(an output of %d bytes was left out: Noctua keeps outputs of up to %d bytes)"
                                    % (size, MAX_OUTPUT_BYTES)}
        elif self.size + size > MAX_CELL_OUTPUT_BYTES:
            bundle = {"text/plain": "(an output of %d bytes was left out: Noctua keeps up to %d bytes of outputs per calculation)"
                                    % (size, MAX_CELL_OUTPUT_BYTES)}
        else:
            self.size += size
        self.items.append({"output_type": output_type, "data": bundle, "metadata": {}})
        return bundle


OUTPUTS = Outputs()

# what a value's _repr_*_ methods give, in the order Jupyter asks for them
REPR_METHODS = (
    ("text/html", "_repr_html_"), ("text/markdown", "_repr_markdown_"), ("image/svg+xml", "_repr_svg_"),
    ("image/png", "_repr_png_"), ("image/jpeg", "_repr_jpeg_"), ("text/latex", "_repr_latex_"),
    ("application/json", "_repr_json_"), ("application/javascript", "_repr_javascript_"),
)
BINARY_TYPES = ("image/png", "image/jpeg")


def is_json_type(mime):
    return mime == "application/json" or (mime.startswith("application/") and mime.endswith("+json"))


def encoded(mime, data):
    """One representation as the bundle holds it, or None if it cannot be held (docs/calculation-results.md)."""
    if data is None:
        return None
    if mime in BINARY_TYPES:
        if isinstance(data, (bytes, bytearray)):
            import base64
            return base64.b64encode(bytes(data)).decode("ascii")
        return str(data).replace("\n", "")  # already base64
    if is_json_type(mime):
        if isinstance(data, (str, bytes)):
            try:
                return json.loads(data)
            except ValueError:
                return None
        try:
            json.dumps(data)
        except (TypeError, ValueError):
            return None
        return data
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return str(data)


def repr_method(value, name):
    """The value's own _repr_*_ method, looked up as Jupyter does: not on classes, only if callable."""
    if isinstance(value, type):
        return None
    try:
        method = getattr(value, name, None)
    except Exception:
        return None
    return method if callable(method) else None


def repr_failed(value, name, failure):
    sys.stderr.write("%s.%s() failed, so it is not shown that way: %s: %s\n"
                     % (type(value).__name__, name, type(failure).__name__, failure))


def mime_bundle(value):
    """The MIME bundle of one value: its figure, table or _repr_*_ representations, and its repr."""
    figure = figure_bundle(value)
    if figure is not None:
        return figure
    bundle = {}
    method = repr_method(value, "_repr_mimebundle_")
    if method is not None:
        try:
            data = method(include=None, exclude=None)
            if isinstance(data, tuple):
                data = data[0]
            for mime, content in (data or {}).items():
                content = encoded(mime, content)
                if content is not None:
                    bundle[mime] = content
        except Exception as failure:
            repr_failed(value, "_repr_mimebundle_", failure)
    else:
        for mime, name in REPR_METHODS:
            method = repr_method(value, name)
            if method is None:
                continue
            try:
                data = method()
            except Exception as failure:
                repr_failed(value, name, failure)
                continue
            if isinstance(data, tuple):  # (data, metadata)
                data = data[0]
            content = encoded(mime, data)
            if content is not None:
                bundle[mime] = content
    if not isinstance(bundle.get("text/plain"), str):
        bundle["text/plain"] = repr(value)
    return bundle


def module_of(value):
    return type(value).__module__ or ""


def figure_bundle(value):
    """A Plotly or Matplotlib figure's bundle, as %plotly and %matplot give it; None for anything else."""
    module = module_of(value)
    if module.startswith("plotly") and hasattr(value, "to_plotly_json"):
        return plotly_bundle(value)
    if module.startswith("matplotlib") and hasattr(value, "savefig") and hasattr(value, "canvas"):
        return matplot_bundle(value)
    return None


def plotly_bundle(figure):
    if isinstance(figure, dict) and "data" in figure:
        data = figure
    elif hasattr(figure, "to_plotly_json"):
        import plotly.io
        # plotly's own encoder turns NumPy arrays, dates and the like into JSON
        data = json.loads(plotly.io.to_json(figure, validate=False))
    else:
        raise UsageError("%%plotly shows a Plotly figure (plotly.graph_objects.Figure, or a dict with 'data'), not %s"
                         % type(figure).__name__)
    plotted = {key: data[key] for key in ("data", "layout", "frames") if key in data}
    traces = len(plotted.get("data") or [])
    return {"application/vnd.plotly.v1+json": plotted,
            "text/plain": "<Plotly figure with %d trace%s>" % (traces, "" if traces == 1 else "s")}


def matplot_bundle(source):
    """A PNG of the figure: plt's current one, or the Figure (or Axes) given. The figure is then closed."""
    if hasattr(source, "gcf"):
        figure = source.gcf()
    elif hasattr(source, "savefig"):
        figure = source
    elif hasattr(source, "get_figure"):
        figure = source.get_figure()
    else:
        raise UsageError("%%matplot shows a Matplotlib figure: %%matplot plt (matplotlib.pyplot), a Figure or an Axes, not %s"
                         % type(source).__name__)
    image = io.BytesIO()
    figure.savefig(image, format="png", bbox_inches="tight")
    text = repr(figure)
    try:
        import matplotlib.pyplot
        matplotlib.pyplot.close(figure)  # as Jupyter's inline backend does: the next plot starts afresh
    except Exception:
        pass
    return {"image/png": encoded("image/png", image.getvalue()), "text/plain": text}


def json_value(value):
    """A table cell as JSON (docs/calculation-results.md): numbers, booleans, null, else text."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != value:
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, (bytes, bytearray)):
        import base64
        return base64.b64encode(bytes(value)).decode("ascii")
    if module_of(value) == "numpy" and hasattr(value, "item"):  # a NumPy scalar
        return json_value(value.item())
    if hasattr(value, "isoformat"):  # dates and timestamps as Spark shows them: 2024-01-31 12:00:00
        text = str(value)
        return None if text == "NaT" else text
    try:
        if value != value:  # pandas' NA
            return None
    except Exception:
        pass
    return str(value)


def pandas_missing(cell):
    """Whether pandas holds this cell as missing (None, NaN, NaT, NA): in pandas NaN means no value."""
    import pandas
    try:
        missing = pandas.isna(cell)
    except Exception:
        return False
    return (isinstance(missing, bool) or type(missing).__name__ == "bool_") and bool(missing)


def table_bundle(frame, limit):
    """The first rows of a Spark or pandas DataFrame as Noctua's table type, with HTML and text forms."""
    module = module_of(frame)
    if module.startswith("pyspark") and hasattr(frame, "schema") and hasattr(frame, "take"):
        columns = [{"name": field.name, "type": field.dataType.simpleString()} for field in frame.schema.fields]
        fetched = frame.take(limit + 1)
        rows = [[json_value(cell) for cell in row] for row in fetched[:limit]]
    elif module.startswith("pandas") and hasattr(frame, "iloc"):
        if hasattr(frame, "to_frame") and not hasattr(frame, "columns"):  # a Series
            frame = frame.to_frame()
        if type(frame.index).__name__ != "RangeIndex":
            frame = frame.reset_index()  # an index that carries meaning is shown as columns
        columns = [{"name": str(name), "type": str(dtype)} for name, dtype in frame.dtypes.items()]
        fetched = frame.head(limit + 1)
        rows = [[None if pandas_missing(cell) else json_value(cell) for cell in row]
                for row in fetched.iloc[:limit].itertuples(index=False, name=None)]
    else:
        raise UsageError("%%table shows a Spark or pandas DataFrame, not %s" % type(frame).__name__)
    truncated = len(fetched) > limit
    return {
        "application/vnd.noctua.table+json": {"columns": columns, "rows": rows, "truncated": truncated},
        "text/html": table_html(columns, rows, truncated),
        "text/plain": table_text(columns, rows, truncated),
    }


def cell_text(value):
    return "null" if value is None else (json.dumps(value) if isinstance(value, bool) else str(value))


def table_html(columns, rows, truncated):
    import html
    parts = ["<table><thead><tr>"]
    parts.extend("<th>%s</th>" % html.escape(column["name"]) for column in columns)
    parts.append("</tr></thead><tbody>")
    for row in rows:
        parts.append("<tr>" + "".join("<td>%s</td>" % html.escape(cell_text(cell)) for cell in row) + "</tr>")
    parts.append("</tbody></table>")
    if truncated:
        parts.append("<p>only the first %d rows</p>" % len(rows))
    return "".join(parts)


def table_text(columns, rows, truncated):
    cells = [[column["name"] for column in columns]] + [[cell_text(cell) for cell in row] for row in rows]
    widths = [max(len(line[index]) for line in cells) for index in range(len(columns))]
    lines = ["  ".join(text.ljust(width) for text, width in zip(line, widths)).rstrip() for line in cells]
    if truncated:
        lines.append("(only the first %d rows)" % len(rows))
    return "\n".join(lines) + "\n"


def display(*values, **options):
    """Shows each value as a rich output of the cell, as Jupyter's display() does; raw=True takes bundles as they are."""
    for value in values:
        if options.get("raw") and isinstance(value, dict):
            bundle = {mime: encoded(mime, content) for mime, content in value.items()}
            bundle = {mime: content for mime, content in bundle.items() if content is not None}
            bundle.setdefault("text/plain", "")
        else:
            bundle = mime_bundle(value)
        OUTPUTS.add("display_data", bundle)


class Magics:
    """Athena's line magics. A line that starts with %name becomes a call of this object, so line
    numbers stay those of the submitted code. The server sends what they show in each request's
    "session" member."""

    LOG_LEVELS = ("ALL", "DEBUG", "ERROR", "FATAL", "INFO", "OFF", "TRACE", "WARN")

    def __init__(self):
        self.session = {}
        self.namespace = {}  # the session's: graph magics evaluate their argument in it
        self.table = {
            "help": (self.help, "shows the magics and what they do"),
            "lsmagic": (self.lsmagic, "lists the magics"),
            "session_id": (self.session_id, "prints the id of this session"),
            "status": (self.status, "shows this session: id, state, workgroup, engine version, start time"),
            "list_sessions": (self.list_sessions, "lists the sessions of this session's workgroup, newest first"),
            "set_log_level": (self.set_log_level, "sets Spark's log level: %set_log_level WARN (" + ", ".join(self.LOG_LEVELS) + ")"),
            "table": (self.show_table, "shows a Spark or pandas DataFrame as a table: %%table df [rows] (%d rows unless told)" % TABLE_ROWS),
            "matplot": (self.matplot, "shows the current Matplotlib figure as an image: %matplot plt"),
            "plotly": (self.plotly, "shows a Plotly figure, interactive in the console: %plotly fig"),
        }

    def __call__(self, name, argument):
        entry = self.table.get(name)
        if entry is None:
            raise UsageError("Line magic function `%%%s` not found; %%lsmagic lists the magics Noctua has." % name)
        return entry[0](argument)

    def help(self, argument):
        print("Line magics:")
        for name, (_, text) in sorted(self.table.items()):
            print("  %%%-15s %s" % (name, text))
        print("Cell magics:")
        print("  %%sql            runs the cell as Spark SQL on this session and shows the result as .show() does")

    def lsmagic(self, argument):
        print("Available line magics:")
        print("  " + "  ".join("%" + name for name in sorted(self.table)))
        print("Available cell magics:")
        print("  %%sql")
        if IPYTHON.shell is not None:
            magics = IPYTHON.shell.magics_manager.lsmagic()
            print("and IPython's own, as in Athena's kernel:")
            print("  " + "  ".join("%" + name for name in sorted(set(magics["line"]) - set(self.table) - set(IPythonCells.REFUSED))))
            print("  " + "  ".join("%%" + name for name in sorted(set(magics["cell"]) - set(IPythonCells.REFUSED))))

    def evaluate(self, magic, expression):
        if not expression.strip():
            raise UsageError("%%%s needs what to show, e.g. %s" % (magic, {"table": "%table df", "matplot": "%matplot plt",
                                                                         "plotly": "%plotly fig"}[magic]))
        return eval(compile(expression.strip(), SOURCE_NAME, "eval"), self.namespace)

    def show_table(self, argument):
        expression, rows = argument.strip(), TABLE_ROWS
        head, _, last = expression.rpartition(" ")
        if head.strip() and last.isdigit():
            expression, rows = head, int(last)
        display(table_bundle(self.evaluate("table", expression), rows), raw=True)

    def matplot(self, argument):
        display(matplot_bundle(self.evaluate("matplot", argument)), raw=True)

    def plotly(self, argument):
        display(plotly_bundle(self.evaluate("plotly", argument)), raw=True)

    def session_id(self, argument):
        print(self.session.get("id"))

    def status(self, argument):
        for label, key in (("Session ID", "id"), ("State", "state"), ("Workgroup", "workGroup"),
                           ("Engine version", "engineVersion"), ("Started", "startDateTime")):
            print("%-15s %s" % (label + ":", self.session.get(key)))

    def list_sessions(self, argument):
        sessions = self.session.get("sessions") or []
        print("%-36s  %-11s  %s" % ("Session ID", "State", "Started"))
        for item in sessions:
            print("%-36s  %-11s  %s" % (item.get("id"), item.get("state"), item.get("startDateTime")))

    def set_log_level(self, argument):
        level = argument.strip().upper()
        if level not in self.LOG_LEVELS:
            raise UsageError("%%set_log_level takes one of %s, not '%s'" % (", ".join(self.LOG_LEVELS), argument.strip()))
        if SPARK.context is None:
            raise UsageError("%set_log_level sets Spark's log level through PySpark, which this session's Python cannot import")
        with INTERRUPTS.defer():
            SPARK.context.setLogLevel(level)
        print("Spark's log level is %s (for the whole Noctua server: its sessions share one SparkContext)" % level)

    @staticmethod
    def transform(code):
        """Replaces each line magic with a call, keeping every line where it was."""
        lines = code.split("\n")
        for index, line in enumerate(lines):
            stripped = line.lstrip()
            if stripped.startswith("%%"):
                cell_magic_misplaced(stripped)
            elif stripped.startswith("%"):
                name, _, argument = stripped[1:].partition(" ")
                lines[index] = "%s__noctua_magic__(%r, %r)" % (line[:len(line) - len(stripped)], name.strip(), argument)
        return "\n".join(lines)


class IPythonCells:
    """IPython's own cell syntax where this Python has IPython, as Athena's kernel is IPython: its magics
    (%time, %timeit, %who, %%time...), !shell commands and ?help. IPython only translates each cell
    to Python; the worker still compiles and runs it as <stdin>, shows its value and its errors, and
    collects its outputs, so cells behave the same with IPython and without it."""

    # Athena does not install packages from a cell: these would change the server's Python for all sessions
    REFUSED = ("pip", "conda", "mamba", "micromamba", "uv")

    def __init__(self):
        self.shell = None

    def start(self, namespace):
        """Sets IPython up on the session's namespace, if it can be imported; quietly does without otherwise."""
        try:
            os.environ.setdefault("IPYTHONDIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "ipython"))
            from traitlets.config import Config
            from IPython.core.displaypub import DisplayPublisher
            from IPython.core.interactiveshell import InteractiveShell
        except Exception:
            return
        config = Config()
        config.HistoryManager.enabled = False  # no history database: cells are kept by the server
        config.InteractiveShell.colors = "nocolor"
        try:
            shell = InteractiveShell.instance(config=config, user_ns=namespace)
        except Exception as failure:
            sys.stderr.write("noctua worker: IPython could not start (%s: %s); cells run without its magics\n"
                             % (type(failure).__name__, failure))
            return

        class Publisher(DisplayPublisher):
            """IPython's display(): its outputs become the cell's, in order."""

            def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
                display(data, raw=True)

            def clear_output(self, wait=False):
                pass

        shell.display_pub = Publisher(shell=shell)
        shell.system = self.system
        shell.enable_gui = lambda gui=None: None  # no event loop here: %matplotlib inline needs none
        for name, _ in MAGICS.table.items():
            shell.register_magic_function(self.athena_magic(name), "line", name)
        for name in self.REFUSED:
            shell.register_magic_function(self.refused(name), "line", name)
            shell.register_magic_function(self.refused(name), "cell", name)
        shell.user_ns_hidden.update({name: namespace[name] for name in ("__noctua_magic__", "display") if name in namespace})
        self.shell = shell

    @staticmethod
    def athena_magic(name):
        def magic(line):
            return MAGICS(name, line)
        magic.__name__ = name
        return magic

    @staticmethod
    def refused(name):
        def magic(line, cell=None):
            raise UsageError("%%%s is not available: Athena does not install packages from a cell. Add them to the "
                             "workers' Python (Noctua's python.packages setting) or to the session "
                             "(spark.submit.pyFiles in its SparkProperties)" % name)
        magic.__name__ = name
        return magic

    def system(self, command):
        """!command: runs it in a shell, its output becoming the cell's; a stop ends it."""
        import subprocess
        completed = subprocess.run(self.shell.var_expand(command, depth=1), shell=True, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        sys.stdout.write(completed.stdout.decode("utf-8", "replace"))
        sys.stderr.write(completed.stderr.decode("utf-8", "replace"))
        self.shell.user_ns["_exit_code"] = completed.returncode

    def transform(self, code):
        """The cell as Python: IPython's translation when it is there, else Noctua's own for Athena's magics."""
        if self.shell is None:
            return Magics.transform(code)
        lines = code.split("\n")
        for line in lines[1:]:  # a cell magic is the first line or nothing
            stripped = line.lstrip()
            if stripped.startswith("%%"):
                cell_magic_misplaced(stripped)
        python = self.shell.transform_cell(code)
        # IPython drops the cell's leading blank lines; they are put back so that line numbers stay the code's
        blank = len(lines) - len(code.lstrip("\n\t\r ").split("\n")) if code.strip() else 0
        kept = len(python) - len(python.lstrip("\n"))
        return "\n" * max(0, blank - kept) + python

    def ran(self):
        """After each cell, as IPython's kernel does: lets %matplotlib inline show the figures the cell drew."""
        if self.shell is not None:
            try:
                self.shell.events.trigger("post_execute")
            except Exception:
                pass


IPYTHON = IPythonCells()


def cell_magic_misplaced(line):
    """The error for a cell magic below a cell's first line (`line`, without its indentation)."""
    name = line[2:].split(None, 1)[0] if line[2:].strip() else ""
    if name == "sql":
        raise UsageError("%%sql must be the first line of the cell: the whole cell is then Spark SQL")
    raise UsageError("Cell magic `%%%%%s` not found; %%%%sql is the cell magic Noctua has." % name)


MAGICS = Magics()


def split_trailing_expression(tree):
    """The cell without its last statement if that is an expression, and that expression."""
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = tree.body.pop()
        return tree, ast.Expression(body=last.value)
    return tree, None


def format_exception(error):
    """Athena's form: the frames of the submitted code only, then the exception; no Traceback header."""
    lines = []
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename == SOURCE_NAME:
            lines.append('  File "%s", line %d, in %s\n' % (frame.filename, frame.lineno, frame.name))
    if type(error).__name__ == "UsageError":  # IPython's as well as Noctua's, named as IPython names it
        lines.append("UsageError: %s\n" % error)
    else:
        lines.extend(traceback.format_exception_only(type(error), error))
    text = "".join(lines)
    if isinstance(error, NameError) and str(error) in ("name 'spark' is not defined", "name 'sc' is not defined"):
        text = text.rstrip("\n") + SPARK_HINT + "\n"
    return text


def error_line(error_text):
    """The exception's own first line (its type and message), for the calculation's StateChangeReason."""
    if not error_text:
        return None
    lines = error_text.splitlines()
    for index in range(len(lines) - 1, -1, -1):
        if not lines[index].startswith(" "):
            # the exception starts at the last line that is not indented, unless its message has more lines
            first = index
            while first > 0 and not lines[first - 1].startswith(" "):
                first -= 1
            return lines[first]
    return lines[-1]


def run_cell(code, namespace):
    """Runs one cell; returns (status, the value's MIME bundle or None, error_text)."""
    try:
        tree = ast.parse(IPYTHON.transform(code), SOURCE_NAME, "exec")
        body, expression = split_trailing_expression(tree)
        exec(compile(body, SOURCE_NAME, "exec"), namespace)
        value = None if expression is None else eval(compile(expression, SOURCE_NAME, "eval"), namespace)
        IPYTHON.ran()
        if value is None:
            return "ok", None, None
        return "ok", OUTPUTS.add("execute_result", mime_bundle(value)), None
    except KeyboardInterrupt as error:
        return "interrupted", None, format_exception(error)
    except BaseException as error:  # SystemExit too: a cell never ends the session's Python
        return "error", None, format_exception(error)


def add_python_path(entries):
    """The session's own files (spark.submit.pyFiles, copied by the server): a module's folder, or an archive
    for zipimport. Put first on sys.path, in order, once each; before 'spark' is bound, so that Python UDFs'
    workers get them too (PYTHONPATH)."""
    new = [entry for entry in entries or () if isinstance(entry, str) and entry not in sys.path]
    if new:
        sys.path[0:0] = new
        import importlib
        importlib.invalidate_caches()


def execute(request, namespace):
    """Runs one request's cell; always answers, whatever the cell or a stop does."""
    add_python_path(request.get("pythonPath"))
    stdout, stderr = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = stdout, stderr
    status, result, error = "interrupted", None, "KeyboardInterrupt\n"
    OUTPUTS.reset()
    try:
        with INTERRUPTS.defer():
            try:
                SPARK.bind(request.get("spark"), namespace)
            except Exception as failure:  # the cell still runs, without spark; stderr says why
                stderr.write("Noctua could not bind 'spark' through PySpark: %s: %s\n" % (type(failure).__name__, failure))
            SPARK.begin(request.get("id"))
        MAGICS.session = request.get("session") or {}
        try:
            if not INTERRUPTS.take_pending():  # a stop that came while binding: the cell does not start
                status, result, error = run_cell(request.get("code", ""), namespace)
        finally:
            with INTERRUPTS.defer():
                SPARK.end()
            INTERRUPTS.take_pending()  # a stop that came after the cell ended has nothing left to stop
    except KeyboardInterrupt:
        status, result, error = "interrupted", None, "KeyboardInterrupt\n"
    finally:
        sys.stdout, sys.stderr = saved
    if error:
        stderr.write(error)
    return {
        "type": "done",
        "id": request.get("id"),
        "status": status,
        "stdout": stdout.getvalue(),
        "stderr": stderr.getvalue(),
        "result": result,
        "outputs": OUTPUTS.items,
        "error": error_line(error),
    }


PR_SET_CHILD_SUBREAPER = 36  # from linux/prctl.h


def lead_own_processes():
    """Makes this worker the root of everything its cells start, so that all of it can be ended together.

    A session of its own (and so a process group of its own, which a cell cannot move the worker out
    of): a Ctrl-C in the server's terminal no longer reaches the cells, and the group holds every
    process a cell starts unless that process leaves it. On Linux the worker is also a child
    subreaper: a daemon that a cell starts (a double fork, setsid) is reparented to the worker
    instead of to init, so it stays a descendant. The worker never reaps children it did not start:
    waiting for any child would take exit codes from the cells' own subprocess objects; the zombies
    of adopted daemons stay until the worker ends."""
    try:
        os.setsid()
    except OSError:
        pass  # already a group leader: then it leads its own group anyway
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_CHILD_SUBREAPER, ctypes.c_ulong(1), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0)) != 0:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    except Exception as failure:  # no ctypes in this Python, or an old kernel: the process group still holds most
        sys.stderr.write("noctua worker: not a child subreaper (%s): daemons a cell starts may outlive the session\n" % failure)


def process_table():
    """(pid, parent pid, process group) of every live process, from /proc; empty where there is no /proc."""
    table = []
    try:
        names = os.listdir("/proc")
    except OSError:
        return table
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as stat:
                line = stat.read()
        except OSError:
            continue  # ended meanwhile
        # the command name is in parentheses and may hold anything, parentheses too: the fields follow the last ')'
        fields = line[line.rfind(b")") + 1:].split()
        if len(fields) < 3 or fields[0] in (b"Z", b"X", b"x"):  # a zombie is dead already
            continue
        try:
            table.append((int(name), int(fields[1]), int(fields[2])))
        except ValueError:
            continue
    return table


def own_processes(me, group):
    """Every live descendant of this worker, and every other member of the process group it leads."""
    table = process_table()
    children = {}
    for pid, parent, _ in table:
        children.setdefault(parent, []).append(pid)
    found = set()
    pending = [me]
    while pending:
        for child in children.get(pending.pop(), ()):
            if child not in found:
                found.add(child)
                pending.append(child)
    if group is not None:
        found.update(pid for pid, _, pgrp in table if pgrp == group)
    found.discard(me)
    return found


def end_all_processes(code):
    """Ends with SIGKILL everything the cells started, then this worker; never returns.

    Rounds, because a process can start another between the look and the kill; as long as this worker
    lives, the orphans of such a race come to it (subreaper) and the next round finds them."""
    me = os.getpid()
    group = me if os.getpgrp() == me else None
    killed = set()
    for _ in range(50):
        fresh = own_processes(me, group) - killed
        if not fresh:
            break
        for pid in fresh:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass  # ended meanwhile
        killed |= fresh
    if group is not None:
        # the worker and what is left of its group in one instant: a cell's thread cannot start one more process after it
        os.killpg(group, signal.SIGKILL)
    os._exit(code)


WORKER_PID = os.getpid()


def end_on_signal(signum, frame):
    """SIGTERM or SIGHUP: the worker ends, and everything its cells started with it."""
    if os.getpid() != WORKER_PID:
        # a child a cell forked without exec (multiprocessing) keeps the signal's usual meaning
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    end_all_processes(128 + signum)


def exit_with_parent():
    """A server killed with SIGKILL cannot end its workers: each notices within a second that it was
    orphaned and ends itself and everything its cells started, even in the middle of a cell."""
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(1)
        end_all_processes(0)

    threading.Thread(target=watch, name="noctua-parent-watch", daemon=True).start()


def main():
    # Matplotlib draws to images here, never to a window; plt.show() then has nothing to say
    os.environ["MPLBACKEND"] = "Agg"
    import warnings
    warnings.filterwarnings("ignore", message=".*non-interactive, and thus cannot be shown")
    lead_own_processes()
    exit_with_parent()
    requests, answers = open_protocol()
    namespace = {"__name__": "__main__", "__builtins__": __builtins__, "__noctua_magic__": MAGICS, "display": display}
    MAGICS.namespace = namespace
    try:
        IPYTHON.start(namespace)  # before "ready", as pyspark: IPython takes about 0.4 s to start
    except KeyboardInterrupt:
        pass
    try:
        SPARK.import_pyspark()  # before "ready": a warm worker is one whose first cell will not wait
    except KeyboardInterrupt:
        pass
    send(answers, {"type": "ready", "python": "%d.%d.%d" % sys.version_info[:3], "pid": os.getpid(),
                   "pyspark": bool(SPARK.available), "ipython": IPYTHON.shell is not None})
    while True:
        try:
            line = requests.readline()
            if not line:
                end_all_processes(0)  # the server closed the pipe: the session ended
            request = json.loads(line)
            if request.get("type") == "execute":
                send(answers, execute(request, namespace))
            else:
                send(answers, {"type": "error", "id": request.get("id"), "error": "unknown request type"})
        except KeyboardInterrupt:
            continue  # a stop that arrived after its cell had finished: nothing left to stop


if __name__ == "__main__":
    signal.signal(signal.SIGINT, INTERRUPTS.handle)
    signal.signal(signal.SIGTERM, end_on_signal)
    signal.signal(signal.SIGHUP, end_on_signal)
    main()
