/*
 * aiohttp._body_buffer: a large body received in place, into the bytes
 * object the reader gets.
 *
 * A body read whole arrives in many receives (asyncio reads 256 KiB at a
 * time) and is then joined: one more copy of every byte (12% of a client's
 * CPU for 1 MiB downloads from a local nginx, by perf). When the length is
 * known, the socket can instead receive straight into the final object
 * (asyncio.BufferedProtocol and recv_into). The final object must be
 * ``bytes``, which Python code cannot write into; this type owns a bytes
 * object that nobody else has seen yet and lends its memory for writing.
 *
 *   BodyBuffer(size)      a buffer of ``size`` bytes; its buffer protocol
 *                         lends bytes [start:size] for writing, so that
 *                         sock.recv_into(buffer) fills it from ``start``
 *   buffer.start          where the lent part begins (0 to size)
 *   len(buffer)           size - start, the room left
 *   buffer[key]           memoryview(buffer)[key]
 *   buffer.take(length)   the first ``length`` bytes as that very bytes
 *                         object (shortened in place); after
 *                         this the buffer is empty and lends nothing
 *
 * Lending the buffer object itself, rather than a memoryview slice of it,
 * means a recv_into leaves no view alive once it returns: take() can
 * follow at once.
 *
 * The bytes object can never be written once it is out: take() refuses
 * (BufferError) while any view of the buffer is alive, and nothing can
 * get a view afterwards. A view keeps the buffer, and so the memory, alive.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    PyObject_HEAD
    PyObject *body;       /* the bytes object being filled; NULL once taken */
    Py_ssize_t start;     /* where the lent part begins */
    Py_ssize_t exports;   /* views alive */
} BodyBuffer;

static PyObject *
body_buffer_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    Py_ssize_t size;
    BodyBuffer *self;

    if (kwargs != NULL && PyDict_GET_SIZE(kwargs) != 0) {
        PyErr_SetString(PyExc_TypeError, "BodyBuffer() takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "n:BodyBuffer", &size)) {
        return NULL;
    }
    if (size < 0) {
        PyErr_SetString(PyExc_ValueError, "a BodyBuffer size must not be negative");
        return NULL;
    }
    self = (BodyBuffer *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    /* Not initialised: every byte handed out is one the socket wrote. */
    self->body = PyBytes_FromStringAndSize(NULL, size);
    if (self->body == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    self->start = 0;
    self->exports = 0;
    return (PyObject *)self;
}

static void
body_buffer_dealloc(BodyBuffer *self)
{
    PyTypeObject *type = Py_TYPE(self);

    Py_CLEAR(self->body);
    type->tp_free((PyObject *)self);
    Py_DECREF(type);
}

static int
body_buffer_getbuffer(BodyBuffer *self, Py_buffer *view, int flags)
{
    if (self->body == NULL) {
        PyErr_SetString(PyExc_BufferError, "the body was taken from this BodyBuffer");
        view->obj = NULL;
        return -1;
    }
    if (PyBuffer_FillInfo(view, (PyObject *)self, PyBytes_AS_STRING(self->body) + self->start,
                          PyBytes_GET_SIZE(self->body) - self->start, 0, flags) < 0) {
        return -1;
    }
    self->exports++;
    return 0;
}

static void
body_buffer_releasebuffer(BodyBuffer *self, Py_buffer *view)
{
    (void)view;
    self->exports--;
}

static PyObject *
body_buffer_take(BodyBuffer *self, PyObject *arg)
{
    Py_ssize_t length = PyLong_AsSsize_t(arg);
    PyObject *body;

    if (length == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (self->body == NULL) {
        PyErr_SetString(PyExc_BufferError, "the body was taken from this BodyBuffer");
        return NULL;
    }
    if (self->exports > 0) {
        PyErr_Format(PyExc_BufferError,
                     "a BodyBuffer cannot give its body while %zd view(s) of it are alive",
                     self->exports);
        return NULL;
    }
    if (length < 0 || length > PyBytes_GET_SIZE(self->body)) {
        PyErr_Format(PyExc_ValueError, "take(%zd) from a BodyBuffer of %zd bytes",
                     length, PyBytes_GET_SIZE(self->body));
        return NULL;
    }
    body = self->body;
    self->body = NULL;
    /* Only this buffer held it, so it may still be shortened; its hash was
       never computed. Shortened in place, without realloc: the block keeps
       its size, so that glibc, whose mmap threshold follows the size of the
       last large block freed, serves the next body of this size from the
       heap. A realloc'd (smaller) block kept the threshold below the next
       buffer's size, and every body was mapped and faulted in anew (320
       page faults and three times the CPU per 1 MiB download). */
    if (length != PyBytes_GET_SIZE(body)) {
        Py_SET_SIZE(body, length);
        PyBytes_AS_STRING(body)[length] = '\0';
    }
    return body;
}

static Py_ssize_t
body_buffer_length(BodyBuffer *self)
{
    return self->body == NULL ? 0 : PyBytes_GET_SIZE(self->body) - self->start;
}

/* buffer[key]: memoryview(buffer)[key], for code that slices what it was
   lent (asyncio's TLS reads do); the view lives as long as the result. */
static PyObject *
body_buffer_subscript(BodyBuffer *self, PyObject *key)
{
    PyObject *view = PyMemoryView_FromObject((PyObject *)self);
    PyObject *item;

    if (view == NULL) {
        return NULL;
    }
    item = PyObject_GetItem(view, key);
    Py_DECREF(view);
    return item;
}

static PyObject *
body_buffer_get_start(BodyBuffer *self, void *closure)
{
    (void)closure;
    return PyLong_FromSsize_t(self->start);
}

static int
body_buffer_set_start(BodyBuffer *self, PyObject *value, void *closure)
{
    Py_ssize_t start;

    (void)closure;
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete start");
        return -1;
    }
    start = PyLong_AsSsize_t(value);
    if (start == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (self->body == NULL || start < 0 || start > PyBytes_GET_SIZE(self->body)) {
        PyErr_Format(PyExc_ValueError, "start %zd is outside the buffer", start);
        return -1;
    }
    self->start = start;
    return 0;
}

static PyGetSetDef body_buffer_getset[] = {
    {"start", (getter)body_buffer_get_start, (setter)body_buffer_set_start,
     "Where the part lent for writing begins.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef body_buffer_methods[] = {
    {"take", (PyCFunction)body_buffer_take, METH_O,
     "take(length, /)\n--\n\n"
     "The first length bytes as a bytes object; the buffer is empty afterwards."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot body_buffer_slots[] = {
    {Py_tp_doc, "A bytes object in the making, writable through memoryview() until take()."},
    {Py_tp_new, body_buffer_new},
    {Py_tp_dealloc, body_buffer_dealloc},
    {Py_tp_methods, body_buffer_methods},
    {Py_tp_getset, body_buffer_getset},
    {Py_bf_getbuffer, body_buffer_getbuffer},
    {Py_bf_releasebuffer, body_buffer_releasebuffer},
    {Py_sq_length, body_buffer_length},
    {Py_mp_length, body_buffer_length},
    {Py_mp_subscript, body_buffer_subscript},
    {0, NULL},
};

static PyType_Spec body_buffer_spec = {
    .name = "aiohttp._body_buffer.BodyBuffer",
    .basicsize = sizeof(BodyBuffer),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = body_buffer_slots,
};

static int
exec_module(PyObject *module)
{
    PyObject *type = PyType_FromModuleAndSpec(module, &body_buffer_spec, NULL);

    if (type == NULL) {
        return -1;
    }
    if (PyModule_AddObjectRef(module, "BodyBuffer", type) < 0) {
        Py_DECREF(type);
        return -1;
    }
    Py_DECREF(type);
    return 0;
}

static PyModuleDef_Slot slots[] = {
    {Py_mod_exec, exec_module},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "aiohttp._body_buffer",
    .m_doc = "Large bodies received in place, into the bytes object the reader gets.",
    .m_size = 0,
    .m_slots = slots,
};

PyMODINIT_FUNC
PyInit__body_buffer(void)
{
    return PyModuleDef_Init(&module_def);
}
