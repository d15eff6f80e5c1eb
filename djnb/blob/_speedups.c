/*
 * Optional accelerator for the blob codec: tuples, lists, sets and dicts of scalars.
 *
 * The pure-Python codec (encode.py, decode.py) is the reference and handles everything; this
 * module only takes the hot path (Python-native containers of str, float, small int, bool and
 * None) and hands every other item back to Python through a callback. Every length read from
 * the data is checked against the bytes that remain before it is used.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define C_TUPLE 0x01
#define C_LIST 0x02
#define C_SET 0x03
#define C_DICT 0x04
#define C_STR 0x05
#define C_INT 0x0A
#define C_BOOL 0x0B
#define C_FLOAT 0x0D
#define C_NONE 0xFF

static PyObject *invalid_blob = NULL; /* djnb.errors.InvalidBlobError, set by configure() */

static int fail(Py_ssize_t pos, Py_ssize_t size, const char *what) {
    PyErr_Format(invalid_blob ? invalid_blob : PyExc_ValueError, "Invalid blob: %s at byte %zd of %zd.", what,
                 pos, size);
    return -1;
}

static uint64_t read_width(const unsigned char *p, int width) {
    if (width == 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        return v;
    }
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* ---- decoding -------------------------------------------------------------------------- */

typedef struct {
    int kind;
    PyObject *values; /* list */
    Py_ssize_t remaining;
    Py_ssize_t end;
} Frame;

static PyObject *build(int kind, PyObject *values, Py_ssize_t pos, Py_ssize_t size) {
    if (kind == C_LIST) {
        Py_INCREF(values);
        return values;
    }
    if (kind == C_TUPLE) return PyList_AsTuple(values);
    if (kind == C_SET) {
        PyObject *set = PySet_New(values);
        if (!set && PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyErr_Clear();
            fail(pos, size, "a set holds an unhashable element");
        }
        return set;
    }
    PyObject *dict = PyDict_New();
    if (!dict) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(values);
    for (Py_ssize_t i = 0; i + 1 < n; i += 2) {
        if (PyDict_SetItem(dict, PyList_GET_ITEM(values, i), PyList_GET_ITEM(values, i + 1)) < 0) {
            Py_DECREF(dict);
            if (PyErr_ExceptionMatches(PyExc_TypeError)) {
                PyErr_Clear();
                fail(pos, size, "an unhashable dict key");
            }
            return NULL;
        }
    }
    return dict;
}

/* Read the container whose code is at buf[pos - 1]; returns (value, new_pos). */
static PyObject *read_native(PyObject *self, PyObject *args) {
    Py_buffer view;
    Py_ssize_t pos, end;
    int width, max_depth;
    PyObject *callback;
    if (!PyArg_ParseTuple(args, "y*nniiO", &view, &pos, &end, &width, &max_depth, &callback)) return NULL;
    const unsigned char *buf = view.buf;
    Py_ssize_t size = view.len;
    Frame *stack = NULL;
    Py_ssize_t depth = 0, capacity = 0;
    PyObject *result = NULL;
    Frame top = {0, NULL, 0, 0};

    if (end > size || pos < 1 || pos > end || (width != 4 && width != 8)) {
        fail(pos, size, "bad arguments to the accelerator");
        goto done;
    }
    if (max_depth < 1) {
        fail(pos, size, "nesting deeper than allowed");
        goto done;
    }
    top.kind = buf[pos - 1];
    top.end = end;
    if (pos + width > end) {
        fail(pos, size, "a container count is cut off");
        goto done;
    }
    {
        uint64_t count = read_width(buf + pos, width);
        pos += width;
        uint64_t per = (uint64_t)(width + 1) * (top.kind == C_DICT ? 2 : 1);
        if (count > (uint64_t)(end - pos) / per) {
            fail(pos, size, "container elements cannot fit in the bytes that remain");
            goto done;
        }
        top.remaining = (Py_ssize_t)(top.kind == C_DICT ? 2 * count : count);
    }
    top.values = PyList_New(0);
    if (!top.values) goto done;

    for (;;) {
        if (top.remaining == 0) {
            PyObject *value = build(top.kind, top.values, pos, size);
            if (!value) goto done;
            if (depth == 0) {
                result = Py_BuildValue("(Nn)", value, pos);
                goto done;
            }
            if (pos != top.end) {
                Py_DECREF(value);
                fail(pos, size, "a container ends before its element does");
                goto done;
            }
            Py_DECREF(top.values);
            top = stack[--depth];
            int appended = PyList_Append(top.values, value);
            Py_DECREF(value);
            if (appended < 0) goto done;
            top.remaining--;
            continue;
        }
        Py_ssize_t start = pos + width;
        if (start >= top.end) {
            fail(pos, size, "an element is cut off");
            goto done;
        }
        uint64_t length = read_width(buf + pos, width);
        if (length == 0 || length > (uint64_t)(top.end - start)) {
            fail(pos, size, "an element is longer than the bytes that remain");
            goto done;
        }
        Py_ssize_t stop = start + (Py_ssize_t)length;
        int code = buf[start];
        PyObject *value = NULL;
        if (code == C_STR && length >= (uint64_t)(1 + width) &&
            read_width(buf + start + 1, width) == length - 1 - width) {
            value = PyUnicode_DecodeUTF8((const char *)buf + start + 1 + width, stop - start - 1 - width, "strict");
            if (!value) {
                if (PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
                    PyErr_Clear();
                    fail(start, size, "invalid UTF-8");
                }
                goto done;
            }
        } else if (code == C_FLOAT && length == 9) {
            double d;
            memcpy(&d, buf + start + 1, 8);
            value = PyFloat_FromDouble(d);
        } else if (code == C_INT && length >= 3 && length <= 11 &&
                   (uint64_t)(buf[start + 1] | (buf[start + 2] << 8)) == length - 3) {
            Py_ssize_t n = (Py_ssize_t)length - 3;
            const unsigned char *p = buf + start + 3;
            if (n <= 8) {
                uint64_t u = (n > 0 && (p[n - 1] & 0x80)) ? ~(uint64_t)0 : 0;
                for (Py_ssize_t i = 0; i < n; i++) {
                    u &= ~((uint64_t)0xFF << (8 * i));
                    u |= (uint64_t)p[i] << (8 * i);
                }
                value = PyLong_FromLongLong((long long)u);
            }
        } else if (code == C_BOOL && length == 2) {
            value = PyBool_FromLong(buf[start + 1] != 0);
        } else if (code == C_NONE && length == 1) {
            value = Py_NewRef(Py_None);
        } else if (code == C_TUPLE || code == C_LIST || code == C_SET || code == C_DICT) {
            if (depth + 1 >= max_depth) {
                fail(start, size, "nesting deeper than allowed");
                goto done;
            }
            Py_ssize_t body = start + 1 + width;
            if (body > stop) {
                fail(start, size, "a container count is cut off");
                goto done;
            }
            uint64_t count = read_width(buf + start + 1, width);
            uint64_t per = (uint64_t)(width + 1) * (code == C_DICT ? 2 : 1);
            if (count > (uint64_t)(stop - body) / per) {
                fail(start, size, "container elements cannot fit in the bytes that remain");
                goto done;
            }
            if (depth == capacity) {
                Py_ssize_t grown = capacity ? 2 * capacity : 16;
                Frame *bigger = PyMem_Realloc(stack, grown * sizeof(Frame));
                if (!bigger) {
                    PyErr_NoMemory();
                    goto done;
                }
                stack = bigger;
                capacity = grown;
            }
            stack[depth++] = top;
            top.kind = code;
            top.values = PyList_New(0);
            top.remaining = (Py_ssize_t)(code == C_DICT ? 2 * count : count);
            top.end = stop;
            if (!top.values) {
                top = stack[--depth];
                goto done;
            }
            pos = body;
            continue;
        }
        if (!value && !PyErr_Occurred()) {
            /* anything else: the Python reader, told how deep we are */
            PyObject *pair = PyObject_CallFunction(callback, "nnn", start, stop, depth + 1);
            if (!pair) goto done;
            Py_ssize_t after;
            if (!PyArg_ParseTuple(pair, "On", &value, &after)) {
                Py_DECREF(pair);
                goto done;
            }
            Py_INCREF(value);
            Py_DECREF(pair);
            if (after != stop) {
                Py_DECREF(value);
                fail(start, size, "an element holds an item of another length");
                goto done;
            }
        }
        if (!value) goto done;
        int appended = PyList_Append(top.values, value);
        Py_DECREF(value);
        if (appended < 0) goto done;
        pos = stop;
        top.remaining--;
    }
done:
    Py_XDECREF(top.values);
    while (depth > 0) Py_XDECREF(stack[--depth].values);
    PyMem_Free(stack);
    PyBuffer_Release(&view);
    return result;
}

/* ---- encoding -------------------------------------------------------------------------- */

typedef struct {
    char *data;
    Py_ssize_t len, cap;
} Out;

static int reserve(Out *out, Py_ssize_t extra) {
    if (out->len + extra <= out->cap) return 0;
    Py_ssize_t cap = out->cap ? out->cap : 256;
    while (cap < out->len + extra) cap *= 2;
    char *grown = PyMem_Realloc(out->data, cap);
    if (!grown) {
        PyErr_NoMemory();
        return -1;
    }
    out->data = grown;
    out->cap = cap;
    return 0;
}

static int put(Out *out, const void *src, Py_ssize_t n) {
    if (reserve(out, n) < 0) return -1;
    memcpy(out->data + out->len, src, n);
    out->len += n;
    return 0;
}

static int put_u64(Out *out, uint64_t v) { return put(out, &v, 8); }

static int put_byte(Out *out, unsigned char b) { return put(out, &b, 1); }

static int encode_item(Out *out, PyObject *obj, PyObject *fallback, int depth);

/* An element: u64 length, then the item. */
static int encode_element(Out *out, PyObject *obj, PyObject *fallback, int depth) {
    Py_ssize_t at = out->len;
    if (put_u64(out, 0) < 0 || encode_item(out, obj, fallback, depth) < 0) return -1;
    uint64_t length = (uint64_t)(out->len - at - 8);
    memcpy(out->data + at, &length, 8);
    return 0;
}

static int encode_item(Out *out, PyObject *obj, PyObject *fallback, int depth) {
    PyTypeObject *type = Py_TYPE(obj);
    if (type == &PyUnicode_Type) {
        Py_ssize_t n;
        if (PyUnicode_IS_COMPACT_ASCII(obj)) { /* the str's own bytes: no copy kept */
            const char *ascii = PyUnicode_AsUTF8AndSize(obj, &n);
            if (!ascii || put_byte(out, C_STR) < 0 || put_u64(out, (uint64_t)n) < 0) return -1;
            return put(out, ascii, n);
        }
        PyObject *utf8 = PyUnicode_AsUTF8String(obj); /* temporary: not cached in the str */
        if (!utf8) return -1;
        n = PyBytes_GET_SIZE(utf8);
        int status = (put_byte(out, C_STR) < 0 || put_u64(out, (uint64_t)n) < 0 ||
                      put(out, PyBytes_AS_STRING(utf8), n) < 0) ? -1 : 0;
        Py_DECREF(utf8);
        return status;
    }
    if (type == &PyFloat_Type) {
        double d = PyFloat_AS_DOUBLE(obj);
        if (put_byte(out, C_FLOAT) < 0) return -1;
        return put(out, &d, 8);
    }
    if (type == &PyBool_Type) {
        unsigned char item[2] = {C_BOOL, obj == Py_True};
        return put(out, item, 2);
    }
    if (type == &PyLong_Type) {
        int overflow = 0;
        long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
        if (!overflow && !(v == -1 && PyErr_Occurred())) {
            /* Python's bit_length of |v|, then DataJoint's byte count bit_length // 8 + 1 */
            unsigned long long magnitude = v < 0 ? (unsigned long long)(-(v + 1)) + 1 : (unsigned long long)v;
            int bits = 0;
            while (magnitude) {
                bits++;
                magnitude >>= 1;
            }
            int n = bits / 8 + 1;
            unsigned char item[12];
            item[0] = C_INT;
            item[1] = (unsigned char)n;
            item[2] = 0;
            for (int i = 0; i < n; i++) item[3 + i] = i < 8 ? (unsigned char)((unsigned long long)v >> (8 * i)) : (v < 0 ? 0xFF : 0);
            return put(out, item, 3 + n);
        }
        PyErr_Clear(); /* a big int: Python encodes it */
    } else if (obj == Py_None) {
        return put_byte(out, C_NONE);
    } else if (type == &PyDict_Type || type == &PyList_Type || type == &PyTuple_Type) {
        if (depth <= 0) {
            PyErr_SetString(PyExc_RecursionError, "blob nesting too deep");
            return -1;
        }
        if (type == &PyDict_Type) {
            Py_ssize_t i = 0;
            PyObject *key, *value;
            if (put_byte(out, C_DICT) < 0 || put_u64(out, (uint64_t)PyDict_GET_SIZE(obj)) < 0) return -1;
            while (PyDict_Next(obj, &i, &key, &value)) {
                Py_INCREF(key);
                Py_INCREF(value);
                int failed = encode_element(out, key, fallback, depth - 1) < 0 ||
                             encode_element(out, value, fallback, depth - 1) < 0;
                Py_DECREF(key);
                Py_DECREF(value);
                if (failed) return -1;
            }
            return 0;
        }
        PyObject *seq = obj;
        Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
        if (put_byte(out, type == &PyList_Type ? C_LIST : C_TUPLE) < 0 || put_u64(out, (uint64_t)n) < 0) return -1;
        for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
            PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
            Py_INCREF(item);
            int failed = encode_element(out, item, fallback, depth - 1) < 0;
            Py_DECREF(item);
            if (failed) return -1;
        }
        return 0;
    }
    /* everything else: the Python packer returns the item's bytes, told the depth left */
    PyObject *encoded = PyObject_CallFunction(fallback, "Oi", obj, depth);
    if (!encoded) return -1;
    if (!PyBytes_Check(encoded)) {
        Py_DECREF(encoded);
        PyErr_SetString(PyExc_TypeError, "blob fallback must return bytes");
        return -1;
    }
    int status = put(out, PyBytes_AS_STRING(encoded), PyBytes_GET_SIZE(encoded));
    Py_DECREF(encoded);
    return status;
}

/* pack_native(obj, fallback, max_depth) -> item bytes of a dict, list or tuple;
   fallback(obj, depth_left) returns the item bytes of anything else */
static PyObject *pack_native(PyObject *self, PyObject *args) {
    PyObject *obj, *fallback;
    int max_depth;
    if (!PyArg_ParseTuple(args, "OOi", &obj, &fallback, &max_depth)) return NULL;
    Out out = {NULL, 0, 0};
    PyObject *result = NULL;
    if (encode_item(&out, obj, fallback, max_depth) == 0) result = PyBytes_FromStringAndSize(out.data, out.len);
    PyMem_Free(out.data);
    return result;
}

static PyObject *configure(PyObject *self, PyObject *error_class) {
    Py_XSETREF(invalid_blob, Py_NewRef(error_class));
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"read_native", read_native, METH_VARARGS, "Decode a tuple/list/set/dict item."},
    {"pack_native", pack_native, METH_VARARGS, "Encode a dict/list/tuple item."},
    {"configure", configure, METH_O, "Set the exception class for invalid blobs."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_speedups", NULL, -1, methods};

PyMODINIT_FUNC PyInit__speedups(void) {
    const uint16_t probe = 1;
    if (*(const unsigned char *)&probe != 1) {
        PyErr_SetString(PyExc_ImportError, "the blob accelerator needs a little-endian machine");
        return NULL;
    }
    return PyModule_Create(&module);
}
