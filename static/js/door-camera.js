// The door's camera: reads ticket QR codes with qr-scanner (its decoder runs
// in a worker made from a blob, hence the CSP's worker-src blob:), and
// offers to stop it, switch cameras and light the torch.
import QrScanner from '/static/vendor/qr-scanner-1.4.2/qr-scanner.min.js';

// doorCamera wires the camera's buttons and returns start, which turns the
// camera on; onCode gets the text of every QR code it reads. Where there is
// no camera, or no https, the note says to use a scanner or type codes.
export function doorCamera({ video, note, toggle, switcher, torch }, onCode) {
  let scanner;
  let facing = 'environment';
  async function start() {
    if (!window.isSecureContext) {
      note.textContent = 'The camera needs https (or localhost). Use a USB scanner or type codes below.';
      noCamera();
      return;
    }
    try {
      scanner = scanner || new QrScanner(video, (res) => onCode(res.data), {
        returnDetailedScanResult: true, highlightScanRegion: true, maxScansPerSecond: 10, preferredCamera: facing,
      });
      await scanner.start();
      video.hidden = false;
      note.textContent = 'Point the camera at a ticket.';
      toggle.textContent = 'Stop camera';
      const cams = await QrScanner.listCameras();
      switcher.hidden = cams.length < 2;
      torch.hidden = !(await scanner.hasFlash());
    } catch (e) {
      note.textContent = 'No camera available (' + (e && e.name ? e.name : e) + '). Use a USB scanner or type codes below.';
      noCamera();
    }
  }
  function noCamera() {
    video.hidden = true;
    toggle.textContent = 'Try the camera again';
  }
  toggle.addEventListener('click', () => {
    if (scanner && scanner._active) {
      scanner.stop();
      note.textContent = 'Camera stopped.';
      toggle.textContent = 'Start camera';
    } else {
      start();
    }
  });
  switcher.addEventListener('click', async () => {
    facing = facing === 'environment' ? 'user' : 'environment';
    if (scanner) await scanner.setCamera(facing);
  });
  torch.addEventListener('click', async () => {
    if (!scanner) return;
    await scanner.toggleFlash();
    torch.setAttribute('aria-pressed', String(scanner.isFlashOn()));
  });
  return { start };
}
