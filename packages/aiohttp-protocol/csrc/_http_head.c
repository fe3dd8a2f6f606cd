/*
 * aiohttp._http_head: the optional accelerator of the HTTP/1.x head fast path.
 *
 * Every request a server reads and every response a client reads starts
 * with a head. In pure Python the fast path validates it with a regular
 * expression, decodes it, splits it into lines and each line into name and
 * value: about 6 us for a typical nginx response head of nine fields, a
 * quarter of the client's work for a small GET. Here one pass validates the
 * octets and a second one makes the strings, in well under a microsecond.
 *
 *   scan_head(data, limit, request, max_count, fields)
 *
 * mirrors aiohttp._http_scan.py_scan_head and must give the same results
 * for every input (tests/protocol/test_scan_head.py compares them):
 *
 *   - None unless data[:limit] starts with a whole head of the grammar of
 *     REQUEST_HEAD_RE (request true) or RESPONSE_HEAD_RE (request false) in
 *     aiohttp._http_abnf, which cites RFC 9112 for each rule;
 *   - else (start_line, end, count): the start line without its CRLF,
 *     the offset just past the empty line, and the number of field lines;
 *     when count <= max_count, each field has been added to ``fields`` in
 *     order as fields.add(name, value), the value without the OWS around it.
 *
 * Strings are decoded as UTF-8 with surrogateescape, as the pure-Python
 * path decodes the whole head: every piece ends at an ASCII octet, so
 * decoding piece by piece gives the same characters.
 *
 * The only Python object the module keeps, the interned name "add", lives
 * in the module state (one per interpreter); the character table is a
 * constant.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

/* Character classes, one bit each, looked up by octet. */
enum {
    TCHAR = 1,       /* RFC 9110 section 5.6.2: tchar */
    FIELD_CHAR = 2,  /* RFC 9110 section 5.5: HTAB / SP / VCHAR / obs-text */
    TARGET_CHAR = 4, /* request-target octets: VCHAR except "#" */
};

static unsigned char char_class[256];

static void
init_classes(void)
{
    const char *tchar_punct = "!#$%&'*+-.^_`|~";
    int c;

    for (c = 0; c < 256; c++) {
        unsigned char bits = 0;
        if (c == '\t' || (c >= 0x20 && c <= 0x7e) || c >= 0x80) {
            bits |= FIELD_CHAR;
        }
        if (c >= 0x21 && c <= 0x7e && c != '#') {
            bits |= TARGET_CHAR;
        }
        if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
                || (c != 0 && strchr(tchar_punct, c) != NULL)) {
            bits |= TCHAR;
        }
        char_class[c] = bits;
    }
}

#define IS(c, cls) (char_class[(unsigned char)(c)] & (cls))

/*
 * RFC 9112 section 3: request-line = method SP request-target SP HTTP-version
 * with method = token, the target of TARGET_CHAR, and HTTP/1.0 or HTTP/1.1.
 * The offset of the CRLF that ends the line, or -1.
 */
static Py_ssize_t
request_line(const unsigned char *s, Py_ssize_t n)
{
    Py_ssize_t i = 0, start;

    while (i < n && IS(s[i], TCHAR)) {
        i++;
    }
    if (i == 0 || i >= n || s[i] != ' ') {
        return -1;
    }
    start = ++i;
    while (i < n && IS(s[i], TARGET_CHAR)) {
        i++;
    }
    if (i == start || n - i < 11 || s[i] != ' ' || memcmp(s + i + 1, "HTTP/1.", 7) != 0
            || (s[i + 8] != '0' && s[i + 8] != '1') || s[i + 9] != '\r' || s[i + 10] != '\n') {
        return -1;
    }
    return i + 9;
}

/*
 * RFC 9112 section 4: status-line = HTTP-version SP status-code SP [ reason ]
 * as RESPONSE_HEAD_RE takes it: any HTTP/1.x, a code of 100 to 999, and
 * the space and reason optional together. The offset of its CRLF, or -1.
 */
static Py_ssize_t
status_line(const unsigned char *s, Py_ssize_t n)
{
    Py_ssize_t i;

    if (n < 14 || memcmp(s, "HTTP/1.", 7) != 0 || s[7] < '0' || s[7] > '9' || s[8] != ' '
            || s[9] < '1' || s[9] > '9' || s[10] < '0' || s[10] > '9'
            || s[11] < '0' || s[11] > '9') {
        return -1;
    }
    i = 12;
    if (s[i] == ' ') {
        i++;
        while (i < n && IS(s[i], FIELD_CHAR)) {
            i++;
        }
    }
    if (n - i < 2 || s[i] != '\r' || s[i + 1] != '\n') {
        return -1;
    }
    return i;
}

/*
 * RFC 9112 section 5: field-line = field-name ":" OWS field-value OWS CRLF,
 * the name a token with nothing between it and the colon, the value of
 * FIELD_CHAR. From ``i``, the start of a line: the offset of the CRLF that
 * ends the field lines' empty line plus 2 (the end of the head), and the
 * count of field lines; -1 if the head is not whole and valid within n.
 */
static Py_ssize_t
field_lines(const unsigned char *s, Py_ssize_t n, Py_ssize_t i, Py_ssize_t *count)
{
    Py_ssize_t lines = 0, start;

    for (;;) {
        if (i + 1 < n && s[i] == '\r' && s[i + 1] == '\n') {
            *count = lines;
            return i + 2;
        }
        start = i;
        while (i < n && IS(s[i], TCHAR)) {
            i++;
        }
        if (i == start || i >= n || s[i] != ':') {
            return -1;
        }
        i++;
        while (i < n && IS(s[i], FIELD_CHAR)) {
            i++;
        }
        if (i + 1 >= n || s[i] != '\r' || s[i + 1] != '\n') {
            return -1;
        }
        i += 2;
        lines++;
    }
}

/* The str of s[0:n]: ASCII copied as is, anything else UTF-8 with surrogateescape. */
static PyObject *
decode(const unsigned char *s, Py_ssize_t n)
{
    Py_ssize_t i;
    PyObject *text;

    for (i = 0; i < n; i++) {
        if (s[i] >= 0x80) {
            return PyUnicode_DecodeUTF8((const char *)s, n, "surrogateescape");
        }
    }
    text = PyUnicode_New(n, 127);
    if (text != NULL) {
        memcpy(PyUnicode_1BYTE_DATA(text), s, (size_t)n);
    }
    return text;
}

/* Per-module state (one per interpreter that imports the module). */
typedef struct {
    PyObject *add_name;  /* the interned "add" */
} module_state;

/* fields.add(name, value) for every field line of s[i:end]. 0, or -1 with an exception. */
static int
add_fields(PyObject *add_name, PyObject *fields, const unsigned char *s, Py_ssize_t i,
           Py_ssize_t end)
{
    Py_ssize_t colon, eol, a, b;
    /* args[0] is scratch room that PY_VECTORCALL_ARGUMENTS_OFFSET lets
       the call use; the arguments are fields, name, value. */
    PyObject *args[4], *done;

    args[0] = NULL;
    args[1] = fields;
    while (i < end - 2) {
        colon = i;
        while (s[colon] != ':') {
            colon++;
        }
        eol = colon + 1;
        while (s[eol] != '\r') {
            eol++;
        }
        /* RFC 9110 section 5.5: OWS around the value is not part of it. */
        a = colon + 1;
        while (a < eol && (s[a] == ' ' || s[a] == '\t')) {
            a++;
        }
        b = eol;
        while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t')) {
            b--;
        }
        args[2] = decode(s + i, colon - i);
        if (args[2] == NULL) {
            return -1;
        }
        args[3] = decode(s + a, b - a);
        if (args[3] == NULL) {
            Py_DECREF(args[2]);
            return -1;
        }
        done = PyObject_VectorcallMethod(add_name, args + 1,
                                         3 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
        Py_DECREF(args[2]);
        Py_DECREF(args[3]);
        if (done == NULL) {
            return -1;
        }
        Py_DECREF(done);
        i = eol + 2;
    }
    return 0;
}

static PyObject *
scan_head(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    Py_buffer view;
    Py_ssize_t limit, max_count, n, eol, end, count = 0;
    int request;
    const unsigned char *s;
    PyObject *start = NULL, *result = NULL;

    if (nargs != 5) {
        PyErr_Format(PyExc_TypeError, "scan_head() takes 5 arguments (%zd given)", nargs);
        return NULL;
    }
    limit = PyLong_AsSsize_t(args[1]);
    if (limit == -1 && PyErr_Occurred()) {
        return NULL;
    }
    request = PyObject_IsTrue(args[2]);
    if (request < 0) {
        return NULL;
    }
    max_count = PyLong_AsSsize_t(args[3]);
    if (max_count == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    s = (const unsigned char *)view.buf;
    /* As re.match(data, 0, limit): nothing at or past limit is looked at. */
    n = limit < view.len ? (limit < 0 ? 0 : limit) : view.len;
    eol = request ? request_line(s, n) : status_line(s, n);
    end = eol < 0 ? -1 : field_lines(s, n, eol + 2, &count);
    if (end < 0) {
        PyBuffer_Release(&view);
        Py_RETURN_NONE;
    }
    start = decode(s, eol);
    if (start == NULL) {
        goto done;
    }
    if (count <= max_count
            && add_fields(((module_state *)PyModule_GetState(module))->add_name, args[4], s,
                          eol + 2, end) < 0) {
        goto done;
    }
    result = Py_BuildValue("(Onn)", start, end, count);
done:
    Py_XDECREF(start);
    PyBuffer_Release(&view);
    return result;
}

static PyMethodDef methods[] = {
    {"scan_head", (PyCFunction)(void (*)(void))scan_head, METH_FASTCALL,
     "scan_head(data, limit, request, max_count, fields, /)\n--\n\n"
     "Validate and split the head that starts data[:limit]; see aiohttp._http_scan."},
    {NULL, NULL, 0, NULL},
};

static int
exec_module(PyObject *module)
{
    module_state *state = (module_state *)PyModule_GetState(module);

    state->add_name = PyUnicode_InternFromString("add");
    if (state->add_name == NULL) {
        return -1;
    }
    /* The same constant table for every interpreter: filling it again
       writes the same values. */
    init_classes();
    return 0;
}

static int
traverse_module(PyObject *module, visitproc visit, void *arg)
{
    module_state *state = (module_state *)PyModule_GetState(module);

    Py_VISIT(state->add_name);
    return 0;
}

static int
clear_module(PyObject *module)
{
    module_state *state = (module_state *)PyModule_GetState(module);

    Py_CLEAR(state->add_name);
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
    .m_name = "aiohttp._http_head",
    .m_doc = "The optional C accelerator of the HTTP head fast path (aiohttp._http_scan).",
    .m_size = sizeof(module_state),
    .m_methods = methods,
    .m_slots = slots,
    .m_traverse = traverse_module,
    .m_clear = clear_module,
    .m_free = free_module,
};

PyMODINIT_FUNC
PyInit__http_head(void)
{
    return PyModuleDef_Init(&module_def);
}
