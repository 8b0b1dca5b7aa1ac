// XMLHttpRequest as uploadMedia (src/compose/media.ts) uses it: every upload answers media "m9", processed.
export class FakeUpload {
  upload = { onprogress: null };
  onload: (() => void) | null = null;
  status = 200;
  statusText = "";
  responseText = JSON.stringify({ id: "m9", type: "image", url: "http://r.test/m9.png", preview_url: null, description: null });
  open() {}
  setRequestHeader() {}
  getResponseHeader() { return null; }
  send() { setTimeout(() => this.onload?.(), 0); }
}
