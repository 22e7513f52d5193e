package dev.vnet.ingress.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * First on a TLS listener: when the first byte is not a TLS handshake record (type 22) but a letter, the client
 * spoke plain HTTP to the HTTPS port ({@code curl http://host:443/}); it gets nginx's 400 "The plain HTTP request
 * was sent to HTTPS port" instead of a dropped connection. Otherwise this handler steps aside.
 */
final class PlainHttpOnTlsPort extends ByteToMessageDecoder {
    private static final int TLS_HANDSHAKE = 22;
    private static final byte[] ANSWER = answer();

    /** Called with the first bytes only: the handler removes itself or closes the connection. */
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!in.isReadable()) {
            return;
        }
        int first = in.getUnsignedByte(in.readerIndex());
        if (first != TLS_HANDSHAKE && Character.isLetter(first)) {
            in.skipBytes(in.readableBytes());
            ctx.writeAndFlush(Unpooled.wrappedBuffer(ANSWER)).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.pipeline().remove(this); // the buffered bytes go on to the TLS handler
    }

    private static byte[] answer() {
        String title = "400 The plain HTTP request was sent to HTTPS port";
        String body = "<html>\r\n<head><title>400 The plain HTTP request was sent to HTTPS port</title></head>\r\n"
                + "<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<center>" + title.substring(4)
                + "</center>\r\n<hr><center>vnet ingress</center>\r\n</body>\r\n</html>\r\n";
        byte[] b = body.getBytes(StandardCharsets.US_ASCII);
        String head = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\nContent-Length: " + b.length
                + "\r\nConnection: close\r\n\r\n";
        return (head + body).getBytes(StandardCharsets.US_ASCII);
    }
}
