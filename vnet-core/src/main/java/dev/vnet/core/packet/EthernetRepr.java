package dev.vnet.core.packet;

/**
 * The parsed form of an Ethernet II header: the two MACs (low 48 bits of a {@code long}) and the EtherType.
 * {@link #emit} writes all {@link EthernetFrame#HEADER_LEN} bytes.
 */
public record EthernetRepr(long destination, long source, int etherType) {

    /** Reads the header, or null if the frame is shorter than one. */
    public static EthernetRepr parse(EthernetFrame frame) {
        if (frame.checkLength() != DropReason.NONE) {
            return null;
        }
        return new EthernetRepr(frame.destination(), frame.source(), frame.etherType());
    }

    /** Writes the header into a view of at least {@link #bufferLength()} bytes. */
    public void emit(EthernetFrame frame) {
        frame.setDestination(destination);
        frame.setSource(source);
        frame.setEtherType(etherType);
    }

    /** The bytes {@link #emit} writes. */
    public static int bufferLength() {
        return EthernetFrame.HEADER_LEN;
    }
}
