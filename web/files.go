package web

// Files in and out: a document sent to the browser, the one file of an
// upload form.

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"grantflow/internal/domain"
	"grantflow/internal/service"
)

func sendDocument(w http.ResponseWriter, d service.Document, inline bool) {
	disp := "attachment"
	if inline {
		disp = "inline"
	}
	w.Header().Set("Content-Type", d.ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(d.Data)))
	w.Header().Set("Content-Disposition", fmt.Sprintf("%s; filename*=UTF-8''%s", disp, url.PathEscape(d.FileName)))
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = w.Write(d.Data)
}

// readUpload reads the one file of a multipart form ("file"); w may be nil
// (an action's readForm has none).
func readUpload(w http.ResponseWriter, r *http.Request) (string, []byte, error) {
	r.Body = http.MaxBytesReader(w, r.Body, service.MaxAttachmentBytes+1<<20)
	f, hdr, err := r.FormFile("file")
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", nil, domain.Errorf(domain.CodeInvalid, "文件超过 20 MB，请压缩或拆分后再上传。")
		}
		return "", nil, domain.Wrap(err, domain.CodeInvalid, "没有收到文件，请选择要上传的文件后再提交。")
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return "", nil, domain.Wrap(err, domain.CodeInvalid, "文件上传中断，请重新上传。")
	}
	return hdr.Filename, data, nil
}
