package service

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"

	"grantflow/internal/domain"
)

// readCSV streams a CSV's records (header included), each cut to width
// fields; a line over maxCSVLineBytes or more than maxRows data rows is
// refused as it is met.
func readCSV(data []byte, width, maxRows int) ([][]string, error) {
	r := csv.NewReader(&lineLimiter{r: bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))), max: maxCSVLineBytes})
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	var rows [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		if errors.Is(err, errLineTooLong) {
			return nil, domain.Errorf(domain.CodeInvalid, "CSV 文件有一行超过 %d KB，请用下载的模板填写后上传。", maxCSVLineBytes>>10)
		}
		if err != nil {
			return nil, domain.Wrap(err, domain.CodeInvalid, "CSV 文件无法读取（请保存为 UTF-8 编码的 CSV）。")
		}
		if len(rows) > maxRows {
			return nil, tooManyRows(maxRows)
		}
		rows = append(rows, slices.Clone(rec[:min(len(rec), width)]))
	}
}

var errLineTooLong = errors.New("csv line too long")

// lineLimiter fails a read once a line runs past max bytes.
type lineLimiter struct {
	r   io.Reader
	max int
	run int // bytes since the last newline
}

func (l *lineLimiter) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for _, b := range p[:n] {
		l.run++
		if b == '\n' {
			l.run = 0
		}
		if l.run > l.max {
			return 0, errLineTooLong
		}
	}
	return n, err
}
