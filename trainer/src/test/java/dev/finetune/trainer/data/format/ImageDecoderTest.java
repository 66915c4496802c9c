package dev.finetune.trainer.data.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.testsupport.Required;
import dev.finetune.trainer.data.TestImages;
import dev.finetune.trainer.data.transform.ImagePipeline;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDecoderTest {
  private final ImageDecoder decoder = new ImageDecoder();

  @Test
  void rgbPngIsExact() {
    BufferedImage src = TestImages.rgb(7, 5, 1);
    RgbImage img = decoder.decode(TestImages.encode(src, "png"), "a.png");
    assertEquals(7, img.width());
    assertEquals(5, img.height());
    int argb = src.getRGB(3, 2);
    assertEquals((argb >> 16) & 0xff, img.get(0, 2, 3));
    assertEquals((argb >> 8) & 0xff, img.get(1, 2, 3));
    assertEquals(argb & 0xff, img.get(2, 2, 3));
  }

  @Test
  void greyIsCopiedToThreeChannelsWithoutGamma() {
    BufferedImage src = TestImages.grey(6, 4, 2);
    RgbImage img = decoder.decode(TestImages.encode(src, "png"), "g.png");
    int v = src.getRaster().getSample(5, 3, 0);
    for (int c = 0; c < 3; c++) {
      assertEquals(v, img.get(c, 3, 5));
    }
  }

  @Test
  void alphaAndPaletteBecomeRgb() {
    BufferedImage rgba = new BufferedImage(2, 2, BufferedImage.TYPE_INT_ARGB);
    rgba.setRGB(1, 1, 0x80102030);
    RgbImage a = decoder.decode(TestImages.encode(rgba, "png"), "a.png");
    assertEquals(0x10, a.get(0, 1, 1));
    assertEquals(0x30, a.get(2, 1, 1));
    BufferedImage pal = new BufferedImage(3, 3, BufferedImage.TYPE_BYTE_INDEXED);
    pal.setRGB(0, 0, 0xff0000);
    RgbImage p = decoder.decode(TestImages.encode(pal, "png"), "p.png");
    assertEquals(255, p.get(0, 0, 0));
    assertEquals(0, p.get(1, 0, 0));
  }

  @Test
  void jpegDecodes() {
    RgbImage img = decoder.decode(TestImages.encode(TestImages.rgb(16, 9, 3), "jpg"), "a.jpg");
    assertEquals(16, img.width());
  }

  /**
   * A JPEG file (a folder dataset's image, FileSplit's path) is decoded by libjpeg-turbo, as a JPEG
   * in memory is, with ImageIO's pixels; a PNG file keeps ImageIO. The file path once went to
   * ImageIO only, which left every folder dataset on the slower decoder unnoticed.
   */
  @Test
  void jpegFilesAreDecodedByLibjpegTurboWithImageIosPixels(@TempDir Path dir) {
    Required.present(ImageDecoder.usesTurboJpeg(), "libturbojpeg0 (libjpeg-turbo's TurboJPEG)");
    Path jpg = TestImages.write(dir.resolve("a.jpg"), TestImages.rgb(40, 30, 6), "jpg");
    long before = TurboJpeg.decoded();
    RgbImage turbo = decoder.decode(jpg);
    assertEquals(before + 1, TurboJpeg.decoded(), "decoded by libjpeg-turbo");
    RgbImage imageio = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS, false).decode(jpg);
    assertEquals(before + 1, TurboJpeg.decoded(), "turbo=false keeps ImageIO");
    assertEquals(40, turbo.width());
    assertArrayEquals(imageio.planes(), turbo.planes(), "the same pixels");
    Path png = TestImages.write(dir.resolve("b.png"), TestImages.rgb(8, 8, 1), "png");
    assertEquals(8, decoder.decode(png).width());
    assertEquals(before + 1, TurboJpeg.decoded(), "PNG files stay with ImageIO");
  }

  /** Files that are not what they claim, on the file path: one BadImageException naming them. */
  @Test
  void aJpegFileThatLiesIsBadAndNamed(@TempDir Path dir) throws Exception {
    byte[] jpg = TestImages.encode(TestImages.rgb(200, 200, 4), "jpg");
    Path cut = Files.write(dir.resolve("cut.jpg"), Arrays.copyOf(jpg, jpg.length * 4 / 5));
    BadImageException e = assertThrows(BadImageException.class, () -> decoder.decode(cut));
    assertTrue(e.getMessage().startsWith(cut + ": "), e.getMessage());
    Path marker =
        Files.write(
            dir.resolve("marker.jpg"),
            new byte[] {
              (byte) 0xff, (byte) 0xd8, (byte) 0xff
            }); // a JPEG's first three bytes and nothing else
    assertThrows(BadImageException.class, () -> decoder.decode(marker));
    Path header = Files.write(dir.resolve("header.jpg"), Arrays.copyOf(jpg, 4));
    assertThrows(BadImageException.class, () -> decoder.decode(header));
    Path pngNamedJpg = TestImages.write(dir.resolve("png.jpg"), TestImages.rgb(8, 8, 1), "png");
    assertEquals(8, decoder.decode(pngNamedJpg).width(), "the bytes decide, not the name");
  }

  @Test
  void emptyTruncatedAndGarbageAreBad() {
    assertThrows(BadImageException.class, () -> decoder.decode(new byte[0], "empty.png"));
    byte[] jpg = TestImages.encode(TestImages.rgb(64, 64, 4), "jpg");
    BadImageException e =
        assertThrows(
            BadImageException.class,
            () -> decoder.decode(Arrays.copyOf(jpg, jpg.length / 2), "cut.jpg"));
    assertTrue(e.getMessage().startsWith("cut.jpg: "), e.getMessage());
    byte[] big = TestImages.encode(TestImages.rgb(200, 200, 4), "jpg");
    BadImageException scan =
        assertThrows(
            BadImageException.class,
            () -> decoder.decode(Arrays.copyOf(big, big.length * 4 / 5), "scan.jpg"));
    assertTrue(scan.getMessage().contains("corrupt image"), scan.getMessage());
    byte[] png = TestImages.encode(TestImages.rgb(64, 64, 4), "png");
    assertThrows(
        BadImageException.class,
        () -> decoder.decode(Arrays.copyOf(png, png.length / 2), "cut.png"));
    assertThrows(BadImageException.class, () -> decoder.decode("not an image".getBytes(), "x.png"));
  }

  @Test
  void tooManyPixelsIsBadBeforeDecoding() {
    byte[] png = TestImages.encode(TestImages.rgb(20, 10, 5), "png");
    BadImageException e =
        assertThrows(BadImageException.class, () -> new ImageDecoder(199).decode(png, "big.png"));
    assertTrue(e.getMessage().contains("200 pixels"), e.getMessage());
    assertEquals(20, new ImageDecoder(200).decode(png, "ok.png").width());
  }

  /**
   * A 20,000 x 20,000 px PNG (400 megapixels, 1.2 GB decoded) with the default limit: refused from
   * its header, before any pixel is decoded. The file is a real small PNG whose IHDR chunk is
   * rewritten to 20000 x 20000 (with a correct CRC), as a hostile dataset would ship it.
   */
  @Test
  void twentyThousandSquarePixelsIsRefusedFromTheHeader() {
    byte[] png = TestImages.encode(TestImages.rgb(2, 2, 1), "png");
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(png);
    b.putInt(16, 20_000).putInt(20, 20_000); // IHDR width, height (after signature, len, type)
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(png, 12, 4 + 13); // chunk type + IHDR data
    b.putInt(29, (int) crc.getValue());
    BadImageException e =
        assertThrows(BadImageException.class, () -> decoder.decode(png, "huge.png"));
    assertTrue(e.getMessage().contains("400000000 pixels"), e.getMessage());
  }

  @Test
  void oneByOneImageGoesThroughTheDefaultPipelines() {
    BufferedImage one = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
    one.setRGB(0, 0, 0x336699);
    RgbImage img = decoder.decode(TestImages.encode(one, "png"), "1.png");
    float[] test = ImagePipeline.forTest(null).apply(img, new SplittableRandom(1));
    assertEquals(3 * 224 * 224, test.length);
    float[] train = ImagePipeline.forTraining(null).apply(img, new SplittableRandom(1));
    assertEquals(3 * 224 * 224, train.length);
    float red = (0x33 / 255f - 0.485f) / 0.229f;
    assertEquals(red, train[0], 1e-6);
  }

  @Test
  void fromGreyReplicates() {
    RgbImage g = RgbImage.fromGrey(2, 1, new byte[] {9, 1, 2}, 1);
    assertArrayEquals(new byte[] {1, 2, 1, 2, 1, 2}, g.planes());
  }
}
