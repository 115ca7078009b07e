package exec

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// The npy format (NumPy's NEP 1): magic, version, a little-endian header
// length, a Python dict literal padded to 64 bytes, then the raw data.
const npyMagic = "\x93NUMPY"

// encodeNpy writes a rows × cols C-order float64 array (npy version 1.0).
func encodeNpy(w io.Writer, rows, cols int, data []float64) error {
	header := fmt.Sprintf("{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }", rows, cols)
	// magic(6) + version(2) + length(2) + header + '\n', a multiple of 64.
	total := 10 + len(header) + 1
	pad := (64 - total%64) % 64
	header += strings.Repeat(" ", pad) + "\n"
	var buf bytes.Buffer
	buf.WriteString(npyMagic)
	buf.Write([]byte{1, 0})
	if len(header) > math.MaxUint16 {
		return fmt.Errorf("npy header too long")
	}
	_ = binary.Write(&buf, binary.LittleEndian, uint16(len(header)))
	buf.WriteString(header)
	b := make([]byte, 8*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(v))
	}
	buf.Write(b)
	_, err := w.Write(buf.Bytes())
	return err
}

// npyArray is a decoded 2-D array, converted to float64.
type npyArray struct {
	rows, cols int
	fortran    bool
	data       []float64
}

func (a *npyArray) at(i, j int) float64 {
	if a.fortran {
		return a.data[j*a.rows+i]
	}
	return a.data[i*a.cols+j]
}

var (
	npyDescr   = regexp.MustCompile(`'descr'\s*:\s*'([^']*)'`)
	npyFortran = regexp.MustCompile(`'fortran_order'\s*:\s*(True|False)`)
	npyShape   = regexp.MustCompile(`'shape'\s*:\s*\(([^)]*)\)`)
)

// decodeNpy reads an npy file of a 1-D or 2-D array of float64, float32,
// int64, int32 or bool (a 1-D array is one column).
func decodeNpy(data []byte) (*npyArray, error) {
	if len(data) < 10 || string(data[:6]) != npyMagic {
		return nil, fmt.Errorf("not an npy file (numpy.save writes one)")
	}
	var hlen, off int
	switch data[6] {
	case 1:
		hlen, off = int(binary.LittleEndian.Uint16(data[8:10])), 10
	case 2, 3:
		if len(data) < 12 {
			return nil, fmt.Errorf("truncated npy header")
		}
		hlen, off = int(binary.LittleEndian.Uint32(data[8:12])), 12
	default:
		return nil, fmt.Errorf("npy version %d.%d not supported", data[6], data[7])
	}
	if off+hlen > len(data) {
		return nil, fmt.Errorf("truncated npy header")
	}
	header := string(data[off : off+hlen])
	body := data[off+hlen:]
	m := npyDescr.FindStringSubmatch(header)
	if m == nil {
		return nil, fmt.Errorf("npy header has no descr: %s", header)
	}
	descr := m[1]
	a := &npyArray{}
	if f := npyFortran.FindStringSubmatch(header); f != nil {
		a.fortran = f[1] == "True"
	}
	s := npyShape.FindStringSubmatch(header)
	if s == nil {
		return nil, fmt.Errorf("npy header has no shape: %s", header)
	}
	var dims []int
	for _, part := range strings.Split(s[1], ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		d, err := strconv.Atoi(part)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("npy shape %q", s[1])
		}
		dims = append(dims, d)
	}
	switch len(dims) {
	case 1:
		a.rows, a.cols = dims[0], 1
	case 2:
		a.rows, a.cols = dims[0], dims[1]
	default:
		return nil, fmt.Errorf("npy array has shape (%s): want a 2-D array, rows × columns", s[1])
	}
	n := a.rows * a.cols
	if a.cols != 0 && n/a.cols != a.rows {
		return nil, fmt.Errorf("npy shape (%s) too large", s[1])
	}
	var size int
	var get func(b []byte) float64
	switch descr {
	case "<f8":
		size, get = 8, func(b []byte) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(b)) }
	case "<f4":
		size, get = 4, func(b []byte) float64 { return float64(math.Float32frombits(binary.LittleEndian.Uint32(b))) }
	case "<i8":
		size, get = 8, func(b []byte) float64 { return float64(int64(binary.LittleEndian.Uint64(b))) }
	case "<i4":
		size, get = 4, func(b []byte) float64 { return float64(int32(binary.LittleEndian.Uint32(b))) }
	case "|b1", "|u1":
		size, get = 1, func(b []byte) float64 { return float64(b[0]) }
	default:
		return nil, fmt.Errorf("npy dtype %q not supported (write float64: array.astype(numpy.float64))", descr)
	}
	if len(body) != n*size {
		return nil, fmt.Errorf("npy data holds %d bytes, shape (%s) of %s needs %d", len(body), s[1], descr, n*size)
	}
	a.data = make([]float64, n)
	for i := range a.data {
		a.data[i] = get(body[i*size:])
	}
	return a, nil
}
