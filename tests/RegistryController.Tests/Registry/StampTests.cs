using System.Globalization;
using System.Text;
using RegistryController.Registry;

namespace RegistryController.Tests.Registry;

/// <summary>A time field gives back exactly the text it was read from, whichever way it is held.</summary>
public class StampTests
{
    [Theory]
    [InlineData("2025-10-17T21:40:34.547608")]
    [InlineData("2025-10-17T21:40:34")]
    [InlineData("2026-12-01T00:00:00.000000")]
    [InlineData("0001-01-01T00:00:00.000001")]
    [InlineData("9999-12-31T23:59:59.999999")]
    public void An_isoformat_time_reads_back_as_the_same_text(string text)
    {
        Assert.Equal(text, Stamp.Of(text).Text);
        Assert.True(Stamp.TryOf(Encoding.UTF8.GetBytes(text), out var fromBytes));
        Assert.Equal(text, fromBytes.Text);
        Assert.Equal(Stamp.Of(text), fromBytes);
    }

    [Theory]
    [InlineData("2025-10-17 21:40:34.547608")]
    [InlineData("2025-10-17T21:40:34.547608+00:00")]
    [InlineData("2025-10-17T21:40:34.5476")]
    [InlineData("2025-10-17T21:40:34Z")]
    [InlineData("2025-99-17T21:40:34")]
    [InlineData("2025-10-17T21:40:3x")]
    [InlineData("２０２５-10-17T21:40:34")]
    [InlineData("")]
    [InlineData("yesterday")]
    public void Any_other_text_is_kept_as_it_is(string text)
    {
        Assert.Equal(text, Stamp.Of(text).Text);
        Assert.False(Stamp.TryOf(Encoding.UTF8.GetBytes(text), out _));
    }

    [Fact]
    public void Random_times_of_both_forms_read_back_as_the_same_text()
    {
        var random = new Random(20261201);
        for (var i = 0; i < 10_000; i++)
        {
            var time = new DateTime(random.NextInt64(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks) / 10 * 10, DateTimeKind.Unspecified);
            var text = time.ToString(random.Next(2) == 0 ? "yyyy-MM-ddTHH:mm:ss" : "yyyy-MM-ddTHH:mm:ss.ffffff", CultureInfo.InvariantCulture);

            Assert.Equal(text, Stamp.Of(text).Text);
        }
    }

    [Fact]
    public void Two_stamps_are_equal_exactly_when_their_texts_are()
    {
        Assert.Equal(Stamp.Of("2025-10-17T21:40:34.547608"), Stamp.Of("2025-10-17T21:40:34.547608"));
        Assert.NotEqual(Stamp.Of("2025-10-17T21:40:34"), Stamp.Of("2025-10-17T21:40:34.000000"));
        Assert.NotEqual(Stamp.Of("2025-10-17T21:40:34.547608"), Stamp.Of("2025-10-17T21:40:34.547609"));
        Assert.Equal(Stamp.Of("yesterday"), Stamp.Of("yesterday"));
        Assert.Equal(default, Stamp.Of(null));
        Assert.True(Stamp.Of(null).IsEmpty);
        Assert.False(Stamp.Of(string.Empty).IsEmpty);
    }
}
