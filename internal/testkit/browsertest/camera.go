package browsertest

import (
	"bufio"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	qrcode "github.com/skip2/go-qrcode"
)

// FakeCamera writes a Y4M video of a QR code holding text and returns the
// Chromium flags that make it the camera (permission granted), for door tests.
func FakeCamera(t testing.TB, text string) []chromedp.ExecAllocatorOption {
	t.Helper()
	path := filepath.Join(t.TempDir(), "camera.y4m")
	if err := WriteQRVideo(path, text); err != nil {
		t.Fatal(err)
	}
	return []chromedp.ExecAllocatorOption{
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-video-capture", path),
	}
}

// WriteQRVideo writes a 640×480 greyscale Y4M video whose frames show a QR
// code of text on white, as a phone camera would see a ticket.
func WriteQRVideo(path, text string) error {
	const w, h, frames = 640, 480, 10
	qr, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return err
	}
	code := qr.Image(300) // inside the decoder's scan region: the middle 2/3 of the short side
	frame := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(frame, frame.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	off := image.Pt((w-code.Bounds().Dx())/2, (h-code.Bounds().Dy())/2)
	draw.Draw(frame, code.Bounds().Add(off), code, code.Bounds().Min, draw.Src)

	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	out := bufio.NewWriter(f)
	fmt.Fprintf(out, "YUV4MPEG2 W%d H%d F10:1 Ip A1:1 C420jpeg\n", w, h)
	chroma := make([]byte, (w/2)*(h/2))
	for i := range chroma {
		chroma[i] = 128 // no colour
	}
	for range frames {
		out.WriteString("FRAME\n")
		out.Write(frame.Pix)
		out.Write(chroma) // U
		out.Write(chroma) // V
	}
	return out.Flush()
}
