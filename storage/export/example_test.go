package export_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/linetap/linetap/storage"
	"github.com/linetap/linetap/storage/export"
)

// Export a data directory's calls to a USB stick and check the result, as
// the daemon would with its own store.
func ExampleExport() {
	tmp, _ := os.MkdirTemp("", "linetap-example")
	defer os.RemoveAll(tmp)
	data := filepath.Join(tmp, "data")
	st, err := storage.Open(data, storage.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()
	key, err := export.LoadOrCreateKey(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	dst, err := export.OpenDir(filepath.Join(tmp, "stick", "linetap-export"))
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := export.Export(context.Background(), export.StoreSource(st), dst, export.Options{
		Key:      key,
		Progress: func(p export.Progress) { fmt.Printf("%d/%d %s\n", p.Done, p.Total, p.File) },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := export.Verify(dst.Path())
	fmt.Println(len(m.Calls), "calls;", rep.Files, "files checked;", err)
	// Output: 0 calls; 4 files checked; <nil>
}

// Check an export handed to an auditor.
func ExampleVerify() {
	rep, err := export.Verify("/nonexistent/export")
	fmt.Println(rep == nil, err != nil)
	// Output: true true
}

// Run an export job to a zip file, as the web UI does, and wait for it.
func ExampleJobs() {
	tmp, _ := os.MkdirTemp("", "linetap-example")
	defer os.RemoveAll(tmp)
	data := filepath.Join(tmp, "data")
	st, err := storage.Open(data, storage.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()
	key, err := export.LoadOrCreateKey(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	jobs, err := export.NewJobs(export.JobsOptions{
		Source:  export.StoreSource(st),
		Key:     key,
		WorkDir: filepath.Join(tmp, "exports"),
		Audit:   func(who, action, detail string) { fmt.Println(who, action) },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer jobs.Close(context.Background())
	job, err := jobs.Start(export.JobRequest{Target: export.TargetZip, Who: "alice"})
	if err != nil {
		fmt.Println(err)
		return
	}
	job, err = jobs.Wait(context.Background(), job.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	zipPath, err := jobs.Zip(job.ID)
	fmt.Println(job.State, *job.Verified, filepath.Ext(zipPath), err)
	// Output:
	// alice export-start
	// alice export-end
	// done true .zip <nil>
}
