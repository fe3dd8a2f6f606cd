/*
 * aiohttp._ws_mask: the optional accelerator of WebSocket masking.
 *
 * RFC 6455 section 5.3 XORs every payload byte a client sends with a 4-byte
 * key repeated. In pure Python that costs about 70 us per 64 KiB, a third of
 * a 64 KiB echo round trip; here the payload is XORed 8 bytes at a time
 * while it is copied into the result, so the masking costs about as much as
 * the copy that has to happen anyway.
 *
 * The three functions mirror the pure-Python ones of aiohttp._ws_masking
 * and must give byte-identical results (tests/websocket/test_masking.py):
 *
 *   apply_mask(data, mask)                bytes: data XOR the mask repeated
 *   unmask_from(buf, start, end, mask)    the same for buf[start:end], read
 *                                         in place (no slice is made)
 *   mask_frame(head, mask, payload)       head + mask + masked payload, one
 *                                         allocation, one pass
 *
 * No module state and no Python object is touched while masking, so the
 * module is safe under subinterpreters and free-threaded builds.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/*
 * dst[i] = src[i] ^ key[i % 4] for i < n; dst and src may be the same.
 * The key is laid out twice in one 64-bit word in memory order, so the word
 * XOR is right on either byte order; memcpy keeps the loads and stores free
 * of alignment and aliasing assumptions (compilers turn it into plain moves).
 */
static void
xor_mask(unsigned char *dst, const unsigned char *src, Py_ssize_t n,
         const unsigned char key[4])
{
    unsigned char twice[8];
    uint64_t word_key, a, b;
    Py_ssize_t i = 0;

    memcpy(twice, key, 4);
    memcpy(twice + 4, key, 4);
    memcpy(&word_key, twice, 8);
    /* Two words per step: the loop overhead is paid once per 16 bytes. */
    for (; i + 16 <= n; i += 16) {
        memcpy(&a, src + i, 8);
        memcpy(&b, src + i + 8, 8);
        a ^= word_key;
        b ^= word_key;
        memcpy(dst + i, &a, 8);
        memcpy(dst + i + 8, &b, 8);
    }
    if (i + 8 <= n) {
        memcpy(&a, src + i, 8);
        a ^= word_key;
        memcpy(dst + i, &a, 8);
        i += 8;
    }
    /* i is a multiple of 8 here, so the key restarts at key[0]. */
    for (; i < n; i++) {
        dst[i] = src[i] ^ key[i & 3];
    }
}

/* The 4-byte key of ``obj`` (any bytes-like object) into ``key``. */
static int
read_key(PyObject *obj, unsigned char key[4])
{
    Py_buffer view;

    if (PyObject_GetBuffer(obj, &view, PyBUF_SIMPLE) < 0) {
        return -1;
    }
    if (view.len != 4) {
        PyErr_Format(PyExc_ValueError, "a masking key is 4 bytes, not %zd", view.len);
        PyBuffer_Release(&view);
        return -1;
    }
    memcpy(key, view.buf, 4);
    PyBuffer_Release(&view);
    return 0;
}

/*
 * ``prefix_len`` bytes of room, then ``view[start:end]`` masked: a new bytes
 * object. A non-contiguous view (a strided memoryview) is copied into the
 * result in C order first and masked in place.
 */
static PyObject *
masked_bytes(Py_buffer *view, Py_ssize_t start, Py_ssize_t end,
             const unsigned char key[4], Py_ssize_t prefix_len)
{
    Py_ssize_t n = end - start;
    PyObject *result;
    unsigned char *out;

    if (n > PY_SSIZE_T_MAX - prefix_len) {
        return PyErr_NoMemory();
    }
    result = PyBytes_FromStringAndSize(NULL, prefix_len + n);
    if (result == NULL) {
        return NULL;
    }
    out = (unsigned char *)PyBytes_AS_STRING(result) + prefix_len;
    if (PyBuffer_IsContiguous(view, 'C')) {
        xor_mask(out, (const unsigned char *)view->buf + start, n, key);
    }
    else {
        /* Only whole views get here (start is 0, end is the length). */
        if (PyBuffer_ToContiguous(out, view, n, 'C') < 0) {
            Py_DECREF(result);
            return NULL;
        }
        xor_mask(out, out, n, key);
    }
    return result;
}

static int
check_args(const char *name, Py_ssize_t nargs, Py_ssize_t expected)
{
    if (nargs != expected) {
        PyErr_Format(PyExc_TypeError, "%s() takes exactly %zd arguments (%zd given)",
                     name, expected, nargs);
        return -1;
    }
    return 0;
}

PyDoc_STRVAR(apply_mask_doc,
"apply_mask(data, mask, /)\n--\n\n"
"``data`` (any bytes-like object) XOR the 4-byte ``mask`` repeated, as bytes.");

static PyObject *
apply_mask(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    unsigned char key[4];
    Py_buffer view;
    PyObject *result;

    if (check_args("apply_mask", nargs, 2) < 0 || read_key(args[1], key) < 0) {
        return NULL;
    }
    if (PyObject_GetBuffer(args[0], &view, PyBUF_FULL_RO) < 0) {
        return NULL;
    }
    result = masked_bytes(&view, 0, view.len, key, 0);
    PyBuffer_Release(&view);
    return result;
}

PyDoc_STRVAR(unmask_from_doc,
"unmask_from(buf, start, end, mask, /)\n--\n\n"
"``apply_mask(buf[start:end], mask)`` read in place from ``buf``;\n"
"``0 <= start <= end <= len(buf)`` or ValueError.");

static PyObject *
unmask_from(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    unsigned char key[4];
    Py_buffer view;
    Py_ssize_t start, end;
    PyObject *result;

    if (check_args("unmask_from", nargs, 4) < 0) {
        return NULL;
    }
    start = PyNumber_AsSsize_t(args[1], PyExc_OverflowError);
    if (start == -1 && PyErr_Occurred()) {
        return NULL;
    }
    end = PyNumber_AsSsize_t(args[2], PyExc_OverflowError);
    if (end == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (read_key(args[3], key) < 0) {
        return NULL;
    }
    if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    if (start < 0 || end < start || end > view.len) {
        PyErr_Format(PyExc_ValueError, "bounds %zd:%zd outside a buffer of %zd bytes",
                     start, end, view.len);
        PyBuffer_Release(&view);
        return NULL;
    }
    result = masked_bytes(&view, start, end, key, 0);
    PyBuffer_Release(&view);
    return result;
}

PyDoc_STRVAR(mask_frame_doc,
"mask_frame(head, mask, payload, /)\n--\n\n"
"``head + mask + apply_mask(payload, mask)`` built in one allocation.");

static PyObject *
mask_frame(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    unsigned char key[4];
    Py_buffer head, payload;
    PyObject *result = NULL;
    char *out;

    if (check_args("mask_frame", nargs, 3) < 0 || read_key(args[1], key) < 0) {
        return NULL;
    }
    if (PyObject_GetBuffer(args[0], &head, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    if (PyObject_GetBuffer(args[2], &payload, PyBUF_FULL_RO) < 0) {
        PyBuffer_Release(&head);
        return NULL;
    }
    if (head.len > PY_SSIZE_T_MAX - 4) {
        PyErr_NoMemory();
    }
    else {
        result = masked_bytes(&payload, 0, payload.len, key, head.len + 4);
        if (result != NULL) {
            out = PyBytes_AS_STRING(result);
            memcpy(out, head.buf, head.len);
            memcpy(out + head.len, key, 4);
        }
    }
    PyBuffer_Release(&payload);
    PyBuffer_Release(&head);
    return result;
}

static PyMethodDef ws_mask_methods[] = {
    {"apply_mask", (PyCFunction)(void (*)(void))apply_mask, METH_FASTCALL, apply_mask_doc},
    {"unmask_from", (PyCFunction)(void (*)(void))unmask_from, METH_FASTCALL, unmask_from_doc},
    {"mask_frame", (PyCFunction)(void (*)(void))mask_frame, METH_FASTCALL, mask_frame_doc},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot ws_mask_slots[] = {
#if PY_VERSION_HEX >= 0x030C0000
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
#if PY_VERSION_HEX >= 0x030D0000
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, NULL},
};

static struct PyModuleDef ws_mask_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "aiohttp._ws_mask",
    .m_doc = "WebSocket masking (RFC 6455 section 5.3) in C: the optional accelerator "
             "of aiohttp._ws_masking.",
    .m_size = 0,
    .m_methods = ws_mask_methods,
    .m_slots = ws_mask_slots,
};

PyMODINIT_FUNC
PyInit__ws_mask(void)
{
    return PyModuleDef_Init(&ws_mask_module);
}
