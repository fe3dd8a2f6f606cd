/*
 * aiohttp._http_writer_core: the optional C core of aiohttp._http_writer.
 *
 * A 0.9 handler answers every request with the same six calls:
 *
 *     response = Response(writer, 200, http_version=message.version)
 *     response.add_header("Content-Type", "text/plain")
 *     response.add_header("Content-Length", str(len(body)))
 *     response.send_headers()
 *     response.write(body)
 *     await response.write_eof()
 *
 * In pure Python they cost about 3 us, a fifth of the server's CPU per
 * small request, and most of that is the price of six Python calls and of
 * the attribute lookups in them, not of the work. This module makes the
 * last four C calls (the constructor stays in Python, where inspect can
 * show its signature):
 *
 *   - MessageCore, the base type of HttpMessage, keeps the per-message state
 *     (the names listed in core_members below) in C fields; Python code
 *     reads and writes them as attributes, as before;
 *   - its fast_* methods do the usual case of each call: a Content-Length
 *     body of bytes, HTTP/1.1, fields of printable ASCII given through
 *     add_header, no filter. Anything else, including every error, is
 *     handed to the pure-Python method, which _http_writer keeps as
 *     _general_<name>; so the C code never raises an error of its own
 *     about the message, and the two paths cannot disagree about one.
 *
 * _http_writer installs the fast methods over the Python ones when this
 * module is built (aiohttp._extensions.load_extension) and gives it, once,
 * the Python objects the fast paths need (configure()), and every new
 * Date/Server line pair (remember_defaults()). The Python methods stay as
 * the pure-Python twin: tests/protocol/test_writer_core.py runs the same
 * call sequences through both and compares the bytes, the state and the
 * errors.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <stddef.h>
#include <string.h>

/* write() hands back a real drain once this many bytes went out since the
   last one (_http_writer.DRAIN_THRESHOLD). */
#define DRAIN_THRESHOLD 65536
/* RFC 9110 section 8.6 Content-Length: at most 18 digits here, as
   _http_writer._content_length. */
#define MAX_LENGTH_DIGITS 18

typedef struct {
    PyObject_HEAD
    PyObject *transport;
    PyObject *version;
    PyObject *closing;
    PyObject *keepalive;
    PyObject *chunked;
    PyObject *length;
    PyObject *headers_sent;
    PyObject *headers;        /* _headers */
    PyObject *pending;        /* _pending */
    PyObject *length_text;    /* _length_text */
    PyObject *omit_length;    /* _omit_length */
    PyObject *defaults_given; /* _defaults_given */
    PyObject *eof;            /* _eof */
    PyObject *discard;        /* _discard */
    PyObject *writer;         /* _writer */
    Py_ssize_t output_length;
    Py_ssize_t body_length;   /* _body_length */
    Py_ssize_t unflushed;     /* _unflushed */
} MessageCore;

/* Per-module state (one per interpreter that imports the module). */
typedef struct {
    /* Given by configure(). */
    PyObject *http11;         /* HttpVersion11 */
    PyObject *write_length;   /* HttpMessage._write_length */
    PyObject *done;           /* _DONE: nothing to wait for */
    PyObject *drain_later;    /* _DrainLater */
    PyObject *time;           /* time.time */
    /* Given by remember_defaults(): the Date and Server lines, for
       SERVER_SOFTWARE == software, until time.time() >= expires. */
    double expires;
    PyObject *software;
    PyObject *default_lines;
    PyObject *empty_frozenset;
    PyObject *empty_tuple;
    /* Interned attribute names. */
    PyObject *s_name_kinds, *s_server_software, *s_upgrade, *s_status, *s_status_line,
        *s_filter, *s_write, *s_send_headers, *s_general_add_header,
        *s_general_send_headers, *s_general_write, *s_general_write_eof;
} module_state;

static struct PyModuleDef module_def;

static module_state *
state_of(PyTypeObject *defining_class)
{
    return (module_state *)PyType_GetModuleState(defining_class);
}

/* -- the type ------------------------------------------------------------------ */

static PyObject *
core_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    MessageCore *self;
    PyObject *module = PyType_GetModuleByDef(type, &module_def);

    (void)args;
    (void)kwargs;
    if (module == NULL) {
        return NULL;
    }
    /* object.__new__ rather than tp_alloc: it also prepares the instance
       dict of a Python subclass (HttpMessage's status, status_line...) in
       the compact form the interpreter reads and writes fastest. */
    self = (MessageCore *)PyBaseObject_Type.tp_new(
        type, ((module_state *)PyModule_GetState(module))->empty_tuple, NULL);
    if (self == NULL) {
        return NULL;
    }
    /* The same initial values as _http_writer._PyMessageState's class
       attributes; transport, version and _pending are set by __init__. */
    self->closing = Py_NewRef(Py_False);
    self->keepalive = Py_NewRef(Py_None);
    self->chunked = Py_NewRef(Py_False);
    self->length = Py_NewRef(Py_None);
    self->headers_sent = Py_NewRef(Py_False);
    self->headers = Py_NewRef(Py_None);
    self->length_text = Py_NewRef(Py_None);
    self->omit_length = Py_NewRef(Py_False);
    self->eof = Py_NewRef(Py_False);
    self->discard = Py_NewRef(Py_False);
    self->writer = Py_NewRef(Py_None);
    self->defaults_given = Py_NewRef(((module_state *)PyModule_GetState(module))->empty_frozenset);
    return (PyObject *)self;
}

/* Every object field, once: core_traverse and core_clear go over this list. */
#define OBJECT_FIELDS(X) \
    X(transport) X(version) X(closing) X(keepalive) X(chunked) X(length) X(headers_sent) \
    X(headers) X(pending) X(length_text) X(omit_length) X(defaults_given) X(eof) X(discard) \
    X(writer)

static int
core_traverse(MessageCore *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
#define VISIT_FIELD(field) Py_VISIT(self->field);
    OBJECT_FIELDS(VISIT_FIELD)
#undef VISIT_FIELD
    return 0;
}

static int
core_clear(MessageCore *self)
{
#define CLEAR_FIELD(field) Py_CLEAR(self->field);
    OBJECT_FIELDS(CLEAR_FIELD)
#undef CLEAR_FIELD
    return 0;
}

static void
core_dealloc(MessageCore *self)
{
    PyTypeObject *type = Py_TYPE(self);

    PyObject_GC_UnTrack(self);
    core_clear(self);
    type->tp_free((PyObject *)self);
    Py_DECREF(type);
}

/* Replace a field's object (the new one borrowed). */
static inline void
set_field(PyObject **field, PyObject *value)
{
    Py_XSETREF(*field, Py_NewRef(value));
}

/* The pure-Python method NAME of self (the general path) called with args. */
static PyObject *
general(PyObject *self, PyObject *name, PyObject *const *args, Py_ssize_t nargs,
        PyObject *kwnames)
{
    PyObject *call[8];
    Py_ssize_t total = nargs + (kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames));

    if (total > 6) {
        PyErr_SetString(PyExc_TypeError, "too many arguments");
        return NULL;
    }
    call[1] = self;
    if (total > 0) {
        memcpy(call + 2, args, (size_t)total * sizeof(PyObject *));
    }
    return PyObject_VectorcallMethod(name, call + 1, (size_t)(nargs + 1) | PY_VECTORCALL_ARGUMENTS_OFFSET,
                                     kwnames);
}

/* 1 if value is printable ASCII (0x20-0x7E) with no space at either end,
   the values add_header stores as given; 0 otherwise. */
static int
plain_value(PyObject *value)
{
    Py_ssize_t i, n;
    const Py_UCS1 *s;

    if (!PyUnicode_IS_ASCII(value)) {
        return 0;
    }
    n = PyUnicode_GET_LENGTH(value);
    s = PyUnicode_1BYTE_DATA(value);
    for (i = 0; i < n; i++) {
        if (s[i] < 0x20 || s[i] > 0x7e) {
            return 0;
        }
    }
    return n == 0 || (s[0] != ' ' && s[n - 1] != ' ');
}

/* -- add_header ------------------------------------------------------------------- */

static PyObject *
fast_add_header(PyObject *op, PyTypeObject *defining_class, PyObject *const *args,
                Py_ssize_t nargs, PyObject *kwnames)
{
    MessageCore *self = (MessageCore *)op;
    module_state *state = state_of(defining_class);
    PyObject *name, *value, *kinds, *kind, *field, *length;
    Py_ssize_t n;
    int ok;

    if (nargs != 2 || kwnames != NULL) {
        goto general_path;
    }
    name = args[0];
    value = args[1];
    if (!PyUnicode_CheckExact(name) || !PyUnicode_CheckExact(value)
            || self->headers_sent != Py_False || self->headers != Py_None
            || self->pending == NULL || !PyList_CheckExact(self->pending)
            || !plain_value(value)) {
        goto general_path;
    }
    /* The class's memory of checked names: "" for a field that is simply
       stored, else its upper case; unknown names take the general path,
       which checks and learns them. */
    kinds = PyObject_GetAttr((PyObject *)Py_TYPE(op), state->s_name_kinds);
    if (kinds == NULL) {
        return NULL;
    }
    if (!PyDict_CheckExact(kinds)) {
        Py_DECREF(kinds);
        goto general_path;
    }
    kind = PyDict_GetItemWithError(kinds, name);
    Py_DECREF(kinds);
    if (kind == NULL) {
        if (PyErr_Occurred()) {
            return NULL;
        }
        goto general_path;
    }
    if (!PyUnicode_Check(kind)) {
        goto general_path;
    }
    if (PyUnicode_GET_LENGTH(kind) == 0) {
        field = PyTuple_Pack(2, name, value);
        if (field == NULL) {
            return NULL;
        }
        ok = PyList_Append(self->pending, field);
        Py_DECREF(field);
        if (ok < 0) {
            return NULL;
        }
        Py_RETURN_NONE;
    }
    if (PyUnicode_CompareWithASCIIString(kind, "CONTENT-LENGTH") != 0 || self->length_text != Py_None) {
        goto general_path;
    }
    /* RFC 9110 section 8.6: Content-Length = 1*DIGIT. */
    n = PyUnicode_GET_LENGTH(value);
    if (n == 0 || n > MAX_LENGTH_DIGITS) {
        goto general_path;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS1 c = PyUnicode_1BYTE_DATA(value)[i];
        if (c < '0' || c > '9') {
            goto general_path;
        }
    }
    length = PyLong_FromUnicodeObject(value, 10);
    if (length == NULL) {
        return NULL;
    }
    field = PyTuple_Pack(2, name, value);
    if (field == NULL) {
        Py_DECREF(length);
        return NULL;
    }
    ok = PyList_Append(self->pending, field);
    Py_DECREF(field);
    if (ok < 0) {
        Py_DECREF(length);
        return NULL;
    }
    Py_XSETREF(self->length, length);
    set_field(&self->length_text, value);
    Py_RETURN_NONE;
general_path:
    return general(op, state->s_general_add_header, args, nargs, kwnames);
}

/* -- Response.send_headers --------------------------------------------------------- */

/* The current time.time(), or -1.0 with an exception. */
static double
now(module_state *state)
{
    PyObject *t = PyObject_CallNoArgs(state->time);
    double value;

    if (t == NULL) {
        return -1.0;
    }
    value = PyFloat_AsDouble(t);
    Py_DECREF(t);
    return value;
}

/* 1 if the response head can be written here, 0 if not, -1 with an error.
   The conditions of the Python fast path of Response.send_headers.

   status, status_line, upgrade and filter are not C fields: the 0.9 API
   documents them as class attributes (HttpMessage.status is None), so they
   stay ordinary attributes, read with PyObject_GetAttr. */
static int
usual_response(PyObject *op, module_state *state)
{
    MessageCore *self = (MessageCore *)op;
    PyObject *value;
    long status;
    int yes;
    double t;

    if (self->headers != Py_None || self->headers_sent != Py_False || self->length == NULL
            || self->length == Py_None || self->chunked != Py_False
            || self->keepalive != Py_None || self->version != state->http11
            || self->discard != Py_False || self->defaults_given == NULL
            || self->pending == NULL || !PyList_CheckExact(self->pending)
            || self->closing == NULL || self->transport == NULL || state->software == NULL) {
        return 0;  /* (a field deleted: the general path raises AttributeError) */
    }
    yes = PyObject_IsTrue(self->defaults_given);
    if (yes != 0) {
        return yes < 0 ? -1 : 0;
    }
    value = PyObject_GetAttr(op, state->s_upgrade);
    if (value == NULL) {
        return -1;
    }
    yes = PyObject_IsTrue(value);
    Py_DECREF(value);
    if (yes != 0) {
        return yes < 0 ? -1 : 0;
    }
    value = PyObject_GetAttr(op, state->s_status);
    if (value == NULL) {
        return -1;
    }
    if (!PyLong_CheckExact(value)) {
        Py_DECREF(value);
        return 0;
    }
    status = PyLong_AsLong(value);
    Py_DECREF(value);
    if (status == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return 0;
    }
    if (status < 200 || status > 999 || status == 204 || status == 304) {
        return 0;
    }
    value = PyObject_GetAttr((PyObject *)Py_TYPE(op), state->s_server_software);
    if (value == NULL) {
        return -1;
    }
    yes = value == state->software;
    Py_DECREF(value);
    if (!yes) {
        return 0;
    }
    t = now(state);
    if (t == -1.0 && PyErr_Occurred()) {
        return -1;
    }
    return t < state->expires;
}

static inline char *
put(char *p, const void *data, Py_ssize_t size)
{
    memcpy(p, data, (size_t)size);
    return p + size;
}

static PyObject *
fast_response_send_headers(PyObject *op, PyTypeObject *defining_class, PyObject *const *args,
                           Py_ssize_t nargs, PyObject *kwnames)
{
    static const char close_end[] = "Connection: close\r\n\r\n";
    MessageCore *self = (MessageCore *)op;
    module_state *state = state_of(defining_class);
    PyObject *line, *head, *done, *pending;
    Py_ssize_t i, count, size;
    int usual, closing;
    char *p;

    if (nargs != 0 || kwnames != NULL) {
        goto general_path;
    }
    usual = usual_response(op, state);
    if (usual < 0) {
        return NULL;
    }
    if (!usual) {
        goto general_path;
    }
    line = PyObject_GetAttr(op, state->s_status_line);
    if (line == NULL) {
        return NULL;
    }
    if (!PyBytes_CheckExact(line)) {
        Py_DECREF(line);
        goto general_path;
    }
    closing = PyObject_IsTrue(self->closing);
    if (closing < 0) {
        Py_DECREF(line);
        return NULL;
    }
    /* The fields were checked by add_header; here only that each is still
       a pair of ASCII strings (anything else is encoded by the general path). */
    pending = self->pending;
    count = PyList_GET_SIZE(pending);
    size = PyBytes_GET_SIZE(line) + PyBytes_GET_SIZE(state->default_lines)
           + (closing ? (Py_ssize_t)sizeof(close_end) - 1 : 2);
    for (i = 0; i < count; i++) {
        PyObject *field = PyList_GET_ITEM(pending, i), *name, *value;
        if (!PyTuple_CheckExact(field) || PyTuple_GET_SIZE(field) != 2) {
            Py_DECREF(line);
            goto general_path;
        }
        name = PyTuple_GET_ITEM(field, 0);
        value = PyTuple_GET_ITEM(field, 1);
        if (!PyUnicode_CheckExact(name) || !PyUnicode_CheckExact(value)
                || !PyUnicode_IS_ASCII(name) || !PyUnicode_IS_ASCII(value)) {
            Py_DECREF(line);
            goto general_path;
        }
        size += PyUnicode_GET_LENGTH(name) + PyUnicode_GET_LENGTH(value) + 4;
    }
    head = PyBytes_FromStringAndSize(NULL, size);
    if (head == NULL) {
        Py_DECREF(line);
        return NULL;
    }
    p = PyBytes_AS_STRING(head);
    p = put(p, PyBytes_AS_STRING(line), PyBytes_GET_SIZE(line));
    Py_DECREF(line);
    for (i = 0; i < count; i++) {
        PyObject *field = PyList_GET_ITEM(pending, i);
        PyObject *name = PyTuple_GET_ITEM(field, 0), *value = PyTuple_GET_ITEM(field, 1);
        p = put(p, PyUnicode_1BYTE_DATA(name), PyUnicode_GET_LENGTH(name));
        p = put(p, ": ", 2);
        p = put(p, PyUnicode_1BYTE_DATA(value), PyUnicode_GET_LENGTH(value));
        p = put(p, "\r\n", 2);
    }
    p = put(p, PyBytes_AS_STRING(state->default_lines), PyBytes_GET_SIZE(state->default_lines));
    if (closing) {
        put(p, close_end, (Py_ssize_t)sizeof(close_end) - 1);
    }
    else {
        put(p, "\r\n", 2);
    }
    set_field(&self->writer, state->write_length);
    set_field(&self->headers_sent, Py_True);
    self->output_length = size;
    done = PyObject_CallMethodOneArg(self->transport, state->s_write, head);
    Py_DECREF(head);
    return done;
general_path:
    return general(op, state->s_general_send_headers, args, nargs, kwnames);
}

/* -- write and write_eof --------------------------------------------------------- */

/* 1 if the body goes out through the Content-Length writer with no filter,
   its length in *limit; 0 if not (the general path's business); -1 with an
   error. */
static int
length_body(PyObject *op, module_state *state, Py_ssize_t *limit)
{
    MessageCore *self = (MessageCore *)op;
    PyObject *filter;

    if (self->writer != state->write_length || self->transport == NULL
            || self->length == NULL || !PyLong_CheckExact(self->length)) {
        return 0;
    }
    filter = PyObject_GetAttr(op, state->s_filter);
    if (filter == NULL) {
        return -1;
    }
    Py_DECREF(filter);
    if (filter != Py_None) {
        return 0;
    }
    *limit = PyLong_AsSsize_t(self->length);
    if (*limit == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return 0;
    }
    return 1;
}

/* self.send_headers(), whichever it is: 0, or -1 with an exception. */
static int
send_headers(PyObject *op, module_state *state)
{
    PyObject *done = PyObject_CallMethodNoArgs(op, state->s_send_headers);

    if (done == NULL) {
        return -1;
    }
    Py_DECREF(done);
    return 0;
}

/* _DrainLater((transport,)): a new reference. */
static PyObject *
drain_later(MessageCore *self, module_state *state)
{
    PyObject *pair = PyTuple_Pack(1, self->transport), *result;

    if (pair == NULL) {
        return NULL;
    }
    result = PyObject_CallOneArg(state->drain_later, pair);
    Py_DECREF(pair);
    return result;
}

static PyObject *
fast_write(PyObject *op, PyTypeObject *defining_class, PyObject *const *args, Py_ssize_t nargs,
           PyObject *kwnames)
{
    MessageCore *self = (MessageCore *)op;
    module_state *state = state_of(defining_class);
    PyObject *chunk, *done;
    Py_ssize_t size, body_length, limit;
    int usual;

    if (nargs != 1 || kwnames != NULL || !PyBytes_CheckExact(args[0])
            || self->eof != Py_False || self->transport == NULL) {
        goto general_path;
    }
    chunk = args[0];
    if (self->headers_sent == Py_False && send_headers(op, state) < 0) {
        return NULL;  /* the head goes first, as in the Python write() */
    }
    size = PyBytes_GET_SIZE(chunk);
    if (size == 0 || self->eof != Py_False) {
        goto general_path;
    }
    usual = length_body(op, state, &limit);
    if (usual <= 0) {
        if (usual < 0) {
            return NULL;
        }
        goto general_path;
    }
    body_length = self->body_length + size;
    if (body_length > limit) {
        goto general_path;  /* which raises the ValueError */
    }
    self->body_length = body_length;
    done = PyObject_CallMethodOneArg(self->transport, state->s_write, chunk);
    if (done == NULL) {
        return NULL;
    }
    Py_DECREF(done);
    self->output_length += size;
    if (self->unflushed + size > DRAIN_THRESHOLD) {
        self->unflushed = 0;
        return drain_later(self, state);
    }
    self->unflushed += size;
    return Py_NewRef(state->done);
general_path:
    return general(op, state->s_general_write, args, nargs, kwnames);
}

static PyObject *
fast_write_eof(PyObject *op, PyTypeObject *defining_class, PyObject *const *args,
               Py_ssize_t nargs, PyObject *kwnames)
{
    MessageCore *self = (MessageCore *)op;
    module_state *state = state_of(defining_class);
    Py_ssize_t limit;
    int usual;

    if (nargs != 0 || kwnames != NULL) {
        goto general_path;
    }
    if (self->eof == Py_True) {
        return Py_NewRef(state->done);
    }
    if (self->eof != Py_False) {
        goto general_path;
    }
    if (self->headers_sent == Py_False && send_headers(op, state) < 0) {
        return NULL;
    }
    usual = length_body(op, state, &limit);
    if (usual <= 0) {
        if (usual < 0) {
            return NULL;
        }
        goto general_path;
    }
    if (self->body_length < limit) {
        goto general_path;  /* which raises the ValueError */
    }
    set_field(&self->eof, Py_True);
    self->unflushed = 0;
    return drain_later(self, state);
general_path:
    return general(op, state->s_general_write_eof, args, nargs, kwnames);
}

/* -- the type's definition ------------------------------------------------------- */

#define FIELD(name, member, doc) \
    {name, T_OBJECT_EX, offsetof(MessageCore, member), 0, doc}

static PyMemberDef core_members[] = {
    FIELD("transport", transport, "What the message writes to."),
    FIELD("version", version, "The HTTP version of the message."),
    FIELD("closing", closing, "The connection closes after this message."),
    FIELD("keepalive", keepalive, "True, False, or None: not decided yet."),
    FIELD("chunked", chunked, "The body is written with the chunked coding."),
    FIELD("length", length, "The Content-Length given, or None."),
    FIELD("headers_sent", headers_sent, "The head has been written."),
    FIELD("_headers", headers, NULL),
    FIELD("_pending", pending, NULL),
    FIELD("_length_text", length_text, NULL),
    FIELD("_omit_length", omit_length, NULL),
    FIELD("_defaults_given", defaults_given, NULL),
    FIELD("_eof", eof, NULL),
    FIELD("_discard", discard, NULL),
    FIELD("_writer", writer, NULL),
    {"output_length", T_PYSSIZET, offsetof(MessageCore, output_length), 0,
     "Bytes written so far, head included."},
    {"_body_length", T_PYSSIZET, offsetof(MessageCore, body_length), 0, NULL},
    {"_unflushed", T_PYSSIZET, offsetof(MessageCore, unflushed), 0, NULL},
    {NULL, 0, 0, 0, NULL},
};

#define FAST(name, function, doc) \
    {name, (PyCFunction)(void (*)(void))function, METH_METHOD | METH_FASTCALL | METH_KEYWORDS, doc}

static PyMethodDef core_methods[] = {
    /* The signatures are those of the Python methods (inspect reads them). */
    FAST("fast_add_header", fast_add_header,
         "fast_add_header($self, name, value)\n--\n\nHttpMessage.add_header, the usual case."),
    FAST("fast_response_send_headers", fast_response_send_headers,
         "fast_response_send_headers($self)\n--\n\nResponse.send_headers, the usual case."),
    FAST("fast_write", fast_write,
         "fast_write($self, chunk)\n--\n\nHttpMessage.write, the usual case."),
    FAST("fast_write_eof", fast_write_eof,
         "fast_write_eof($self)\n--\n\nHttpMessage.write_eof, the usual case."),
    {NULL, NULL, 0, NULL},
};

static PyType_Slot core_slots[] = {
    {Py_tp_doc, "The per-message state of HttpMessage, with C fast paths (_http_writer)."},
    {Py_tp_new, core_new},
    {Py_tp_dealloc, core_dealloc},
    {Py_tp_traverse, core_traverse},
    {Py_tp_clear, core_clear},
    {Py_tp_members, core_members},
    {Py_tp_methods, core_methods},
    {0, NULL},
};

static PyType_Spec core_spec = {
    .name = "aiohttp._http_writer_core.MessageCore",
    .basicsize = sizeof(MessageCore),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .slots = core_slots,
};

/* -- module functions --------------------------------------------------------------- */

static PyObject *
configure(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    module_state *state = (module_state *)PyModule_GetState(module);

    if (nargs != 5) {
        PyErr_Format(PyExc_TypeError, "configure() takes 5 arguments (%zd given)", nargs);
        return NULL;
    }
    Py_XSETREF(state->http11, Py_NewRef(args[0]));
    Py_XSETREF(state->write_length, Py_NewRef(args[1]));
    Py_XSETREF(state->done, Py_NewRef(args[2]));
    Py_XSETREF(state->drain_later, Py_NewRef(args[3]));
    Py_XSETREF(state->time, Py_NewRef(args[4]));
    Py_RETURN_NONE;
}

static PyObject *
remember_defaults(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    module_state *state = (module_state *)PyModule_GetState(module);
    double expires;

    if (nargs != 3) {
        PyErr_Format(PyExc_TypeError, "remember_defaults() takes 3 arguments (%zd given)", nargs);
        return NULL;
    }
    expires = PyFloat_AsDouble(args[0]);
    if (expires == -1.0 && PyErr_Occurred()) {
        return NULL;
    }
    if (!PyBytes_CheckExact(args[2])) {
        PyErr_SetString(PyExc_TypeError, "remember_defaults(): lines must be bytes");
        return NULL;
    }
    state->expires = expires;
    Py_XSETREF(state->software, Py_NewRef(args[1]));
    Py_XSETREF(state->default_lines, Py_NewRef(args[2]));
    Py_RETURN_NONE;
}

static PyMethodDef module_methods[] = {
    {"configure", (PyCFunction)(void (*)(void))configure, METH_FASTCALL,
     "configure(http11, write_length, done, drain_later, time, /)\n--\n\n"
     "The Python objects the fast paths use; _http_writer calls it once."},
    {"remember_defaults", (PyCFunction)(void (*)(void))remember_defaults, METH_FASTCALL,
     "remember_defaults(expires, software, lines, /)\n--\n\n"
     "The Date and Server lines for SERVER_SOFTWARE software, until time.time() >= expires."},
    {NULL, NULL, 0, NULL},
};

static int
exec_module(PyObject *module)
{
    module_state *state = (module_state *)PyModule_GetState(module);
    PyObject *type;

#define INTERN(field, text) \
    if ((state->field = PyUnicode_InternFromString(text)) == NULL) { \
        return -1; \
    }
    INTERN(s_name_kinds, "_name_kinds");
    INTERN(s_server_software, "SERVER_SOFTWARE");
    INTERN(s_upgrade, "upgrade");
    INTERN(s_status, "status");
    INTERN(s_status_line, "status_line");
    INTERN(s_filter, "filter");
    INTERN(s_write, "write");
    INTERN(s_send_headers, "send_headers");
    INTERN(s_general_add_header, "_general_add_header");
    INTERN(s_general_send_headers, "_general_send_headers");
    INTERN(s_general_write, "_general_write");
    INTERN(s_general_write_eof, "_general_write_eof");
#undef INTERN
    state->expires = 0.0;
    state->empty_frozenset = PyFrozenSet_New(NULL);
    state->empty_tuple = PyTuple_New(0);
    if (state->empty_frozenset == NULL || state->empty_tuple == NULL) {
        return -1;
    }
    type = PyType_FromModuleAndSpec(module, &core_spec, NULL);
    if (type == NULL) {
        return -1;
    }
    if (PyModule_AddObjectRef(module, "MessageCore", type) < 0) {
        Py_DECREF(type);
        return -1;
    }
    Py_DECREF(type);
    return 0;
}

static int
traverse_module(PyObject *module, visitproc visit, void *arg)
{
    module_state *state = (module_state *)PyModule_GetState(module);

    Py_VISIT(state->http11);
    Py_VISIT(state->write_length);
    Py_VISIT(state->done);
    Py_VISIT(state->drain_later);
    Py_VISIT(state->time);
    Py_VISIT(state->software);
    Py_VISIT(state->default_lines);
    Py_VISIT(state->empty_frozenset);
    Py_VISIT(state->empty_tuple);
    return 0;
}

static int
clear_module(PyObject *module)
{
    module_state *state = (module_state *)PyModule_GetState(module);

    Py_CLEAR(state->http11);
    Py_CLEAR(state->write_length);
    Py_CLEAR(state->done);
    Py_CLEAR(state->drain_later);
    Py_CLEAR(state->time);
    Py_CLEAR(state->software);
    Py_CLEAR(state->default_lines);
    Py_CLEAR(state->empty_frozenset);
    Py_CLEAR(state->empty_tuple);
    Py_CLEAR(state->s_name_kinds);
    Py_CLEAR(state->s_server_software);
    Py_CLEAR(state->s_upgrade);
    Py_CLEAR(state->s_status);
    Py_CLEAR(state->s_status_line);
    Py_CLEAR(state->s_filter);
    Py_CLEAR(state->s_write);
    Py_CLEAR(state->s_send_headers);
    Py_CLEAR(state->s_general_add_header);
    Py_CLEAR(state->s_general_send_headers);
    Py_CLEAR(state->s_general_write);
    Py_CLEAR(state->s_general_write_eof);
    return 0;
}

static void
free_module(void *module)
{
    clear_module((PyObject *)module);
}

static PyModuleDef_Slot slots[] = {
    {Py_mod_exec, exec_module},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "aiohttp._http_writer_core",
    .m_doc = "The optional C core of aiohttp._http_writer: message state and fast paths.",
    .m_size = sizeof(module_state),
    .m_methods = module_methods,
    .m_slots = slots,
    .m_traverse = traverse_module,
    .m_clear = clear_module,
    .m_free = free_module,
};

PyMODINIT_FUNC
PyInit__http_writer_core(void)
{
    return PyModuleDef_Init(&module_def);
}
