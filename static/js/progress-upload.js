// The 践诺 form's attachment (issue 9, point 4): a photo larger than the server's limit is
// shrunk in the browser before it is sent, and the picked file is shown as a thumbnail; a PDF
// over the limit is refused here with a clear message instead of after a long upload. The server
// still checks every file's content and size (pledges/attachments.py).
(function () {
  "use strict";

  var THUMB = 160; // the thumbnail's longest side, in pixels
  var IMAGE_TYPES = ["image/jpeg", "image/png"];

  function megabytes(size) {
    if (size >= 1024 * 1024) {
      return (size / (1024 * 1024)).toFixed(1).replace(/\.0$/, "") + " MB";
    }
    return Math.max(1, Math.round(size / 1024)) + " KB";
  }

  function isPdf(file) {
    return file.type === "application/pdf" || /\.pdf$/i.test(file.name);
  }

  function isImage(file) {
    return IMAGE_TYPES.indexOf(file.type) >= 0 || /\.(jpe?g|png)$/i.test(file.name);
  }

  function canvasBlob(canvas, quality) {
    return new Promise(function (resolve) {
      canvas.toBlob(resolve, "image/jpeg", quality);
    });
  }

  // Draws the bitmap at `width` × `height` on a white ground (a PNG's transparency would
  // otherwise turn black in a JPEG).
  function drawn(bitmap, width, height) {
    var canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    var context = canvas.getContext("2d");
    context.fillStyle = "#fff";
    context.fillRect(0, 0, width, height);
    context.imageSmoothingQuality = "high";
    context.drawImage(bitmap, 0, 0, width, height);
    return canvas;
  }

  // A JPEG of the picture no larger than `limit` bytes: first a size whose pixel count suits the
  // limit, then smaller steps until the file fits. Resolves to null if it never does.
  function shrink(bitmap, limit) {
    var pixels = bitmap.width * bitmap.height;
    // About 2.5 bytes a pixel at quality 0.85 for a detailed photo; far fewer for most.
    var scale = Math.min(1, Math.sqrt((limit * 0.9) / 2.5 / pixels));
    var quality = 0.85;
    var attempt = 0;

    function next() {
      var width = Math.max(1, Math.round(bitmap.width * scale));
      var height = Math.max(1, Math.round(bitmap.height * scale));
      return canvasBlob(drawn(bitmap, width, height), quality).then(function (blob) {
        if (blob && blob.size <= limit) {
          return { blob: blob, width: width, height: height };
        }
        attempt += 1;
        if (attempt > 12 || width < 64) {
          return null;
        }
        scale *= 0.8;
        quality = Math.max(0.6, quality - 0.05);
        return next();
      });
    }
    return next();
  }

  function showThumbnail(preview, bitmap) {
    var canvas = preview.querySelector(".upload-thumb");
    var ratio = Math.min(1, THUMB / Math.max(bitmap.width, bitmap.height));
    canvas.width = Math.max(1, Math.round(bitmap.width * ratio));
    canvas.height = Math.max(1, Math.round(bitmap.height * ratio));
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    canvas.classList.remove("d-none");
  }

  function setup(input) {
    var form = input.form;
    var limit = parseInt(input.getAttribute("data-max-bytes"), 10);
    var preview = form && form.querySelector(".upload-preview");
    if (!preview) {
      return;
    }
    var note = preview.querySelector(".upload-note");
    var error = document.createElement("div");
    error.className = "invalid-feedback d-block js-upload-error";
    error.setAttribute("role", "alert");
    input.insertAdjacentElement("afterend", error);

    function refuse(message) {
      form.setAttribute("data-upload", "refused");
      input.classList.add("is-invalid");
      error.textContent = message;
    }

    function reset() {
      form.removeAttribute("data-upload");
      input.classList.remove("is-invalid");
      error.textContent = "";
      note.textContent = "";
      preview.classList.add("d-none");
      preview.querySelector(".upload-thumb").classList.add("d-none");
    }

    function replaceFile(blob, name) {
      var transfer = new DataTransfer();
      transfer.items.add(new File([blob], name, { type: "image/jpeg", lastModified: Date.now() }));
      input.files = transfer.files; // sets the files without firing another change event
    }

    input.addEventListener("change", function () {
      reset();
      var file = input.files && input.files[0];
      if (!file) {
        return;
      }
      preview.classList.remove("d-none");
      note.textContent = "已选择：" + file.name + "（" + megabytes(file.size) + "）";
      if (isPdf(file)) {
        if (file.size > limit) {
          refuse(
            "附件“" + file.name + "”有 " + megabytes(file.size) + "，超过 " + megabytes(limit) +
              " 的上限，无法上传。请先压缩该 PDF，或改为拍照上传（照片会自动缩小）。"
          );
        }
        return;
      }
      if (!isImage(file) || !window.createImageBitmap || !window.DataTransfer) {
        return; // the server judges it
      }
      form.setAttribute("data-upload", "working");
      createImageBitmap(file)
        .then(function (bitmap) {
          showThumbnail(preview, bitmap);
          if (file.size <= limit) {
            form.removeAttribute("data-upload");
            return;
          }
          note.textContent = "照片有 " + megabytes(file.size) + "，正在缩小……";
          return shrink(bitmap, limit).then(function (result) {
            if (!result) {
              refuse("照片“" + file.name + "”无法缩小到 " + megabytes(limit) + " 以内，请换一张照片。");
              return;
            }
            replaceFile(result.blob, file.name.replace(/\.[^.]*$/, "") + ".jpg");
            form.setAttribute("data-upload", "shrunk");
            note.textContent =
              "照片已自动缩小：" + megabytes(file.size) + " → " + megabytes(result.blob.size) +
              "（" + bitmap.width + "×" + bitmap.height + " → " + result.width + "×" +
              result.height + "），可以提交。";
          });
        })
        .catch(function () {
          // Not a picture the browser can read: leave it to the server, which names the problem.
          form.removeAttribute("data-upload");
        });
    });

    form.addEventListener("submit", function (event) {
      var state = form.getAttribute("data-upload");
      if (state === "refused") {
        event.preventDefault();
        input.focus();
      } else if (state === "working") {
        event.preventDefault();
        note.textContent = "正在缩小照片，请稍候再提交……";
      }
    });
  }

  document.querySelectorAll("input.js-shrink-upload[data-max-bytes]").forEach(setup);
})();
